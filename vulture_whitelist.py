"""Names vulture reports as unused that are used where it cannot look.

vulture reads Python only: Django reads model fields, admin columns and serializer fields by
name (strings in `list_display`, `fields`, templates, the database), and a few classes are
registered by subclassing or named in settings. Each entry says where its use is. Framework
hook names (admin options, DRF and django-filter methods, pytest fixtures) are listed once in
pyproject.toml's [tool.vulture] ignore_names instead. Only add a name here with its reason.
"""

# --- model fields and choices: columns of the database, read by name (admin, templates,
# serializers, filters) or kept as stored values ---------------------------------------------
api_key_hint  # Source: shown in the admin
api_key_rotated_at  # Source: shown in the admin
_.api_key_hint  # set by Source.set_api_key
_.api_key_rotated_at  # set by Source.set_api_key
token_hash  # ApiToken: looked up by it (intake.services.sources)
revoked_at  # ApiToken: filtered on, set by the revocation
_.revoked_at  # a test revokes a token
processed_at  # Submission: shown in the admin and the API
_.processed_at  # set by the submission services
by  # AvailabilityChange: who made the change, shown in the admin, counted by reports
back_at  # ReceivingForm: the queue page's "Back at" time, read in its clean()
is_strategic  # Account: filtered on when qualifying
merged_into  # Lead: the merged-into link (merged_into_id)
recover_after  # Lead: filtered on by the stranded-lead sweep
urgency_rank  # HeldLead: the release order, sorted on by routing.selectors.held_leads_due
phone_extension  # Lead: the API's lead shape
phone_region  # Lead: the API's lead shape
utm_term  # Lead: the API's lead shape
utm_content  # Lead: the API's lead shape
state_changed_at  # WebhookEndpoint: set by its state changes, shown in the admin
delivered_at  # WebhookDelivery: set when delivered, shown in the delivery log
referrer  # Lead: the API's lead shape
last_touch_at  # Lead: the API's lead shape
FLAGGED  # LeadEvent.Kind: a choice of the stored column (removing it needs a migration)
activated_at  # ModelVersion: ordered on by the rollback
pool_team  # RoutingRule: read as pool_team_id
changed_at  # RoutingConfigVersion: when the token last changed (auto_now)
sla_policy  # Assignment: written as sla_policy_id by the SLA clock, shown in the admin
sla_paused_at  # Assignment: when the clock was paused (admin, the lead's timeline)
due_at  # SlaStepRecord: when the step was due (admin; the lead's SLA ladder)
done_at  # SlaStepRecord: when the sweep acted (admin; the lead's SLA ladder)
# Activity.Kind and Activity.Outcome choices: posted by the lead page's activity form
CALL
MEETING
REACHED
LEFT_VOICEMAIL
NO_ANSWER
WRONG_NUMBER
MESSAGE_SENT
SCHEDULED
# LostReason choices: picked on the lead page's status form and in recycling rules
NO_RESPONSE
COMPETITOR
NO_NEED

# --- serializer and filter fields: part of the API contract, declared by name ----------------
reason_details  # the qualification's reasons in the lead shape
reasons_text  # the qualification's reasons in plain words (API)
_.get_actor  # SerializerMethodField "actor"
_.get_owner  # SerializerMethodField "owner"
time_off_until  # RepSerializer's availability and the selector's row
capacity  # RepSerializer
availability  # RepSerializer
manual  # reporting.api: ReassignedByReasonSerializer reads the "manual" key of a dict
_.get_skills  # SerializerMethodField "skills"
_.get_territories  # SerializerMethodField "territories"
received_after  # LeadFilter
_.get_user  # SerializerMethodField "user" (ActivitySerializer)
lead_status  # ActivitySerializer: the lead's status once the attempt is logged
default_error_messages  # DRF fields' messages, read by Field.fail (OffsetDateTimeField)
received_before  # LeadFilter
reassignments  # LeadSla, read by SlaSerializer

# --- registered by subclassing, or named in settings and task strings ------------------------
BearerKeyScheme  # drf-spectacular extension (registered by subclassing)
LeadSubmitInputScheme  # drf-spectacular extension (registered by subclassing)
FallbackToFirstRenderer  # settings.REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]
ViewerTimeZoneMiddleware  # settings.MIDDLEWARE
viewer_role  # routing.context_processors: settings.TEMPLATES' context_processors
_.process_view  # Django's middleware hook, called for each view with the resolved URL
check_email_deliverability  # queued by name: "intake.tasks.check_email_deliverability"
send_rep_welcome  # queued by name: routing.services.people.WELCOME_TASK
purge_idempotency_keys  # scheduled by name in intake migration 0002

_.clean_holiday_subdivision  # BusinessCalendarForm: Django's form validation calls it by name
other_request_types  # LicenceRequirementForm: a form field, read from cleaned_data by name
received_at_column  # CsvUploadForm: a form field, read from cleaned_data by name (history())
create_owners  # CsvUploadForm: a form field, read from cleaned_data by name (owners())
owner_team  # CsvUploadForm: a form field, read from cleaned_data by name (owners())
closed_at_column  # CsvUploadForm: a form field, read from cleaned_data by name (history())
value_column  # CsvUploadForm: a form field, read from cleaned_data by name (history())
widgets  # a ModelForm's Meta, read by Django

# --- read by templates -----------------------------------------------------------------------
lead_label  # the simulation's and replay's rows
sla_status  # routing/templatetags/sla.py: {% sla_status %} on the queue, lead and board pages
met_rate_text  # routing/templatetags/sla.py: {% met_rate_text %} on the board
_.delta  # the replay's table

# --- attributes other libraries read ---------------------------------------------------------
_._body  # Django's HttpRequest: the body already read
_._stream  # Django's HttpRequest
_._prefetched_objects_cache  # Django's prefetch cache on an instance
_._prefetch_done  # Django's QuerySet: prefetching already done
_.adding  # Django's ModelState: an instance loaded from the database
_.case_sensitive  # re2.Options
_.log_errors  # re2.Options
_.QUALIFICATION_LLM_URL  # settings overridden by tests, read with getattr
_.QUALIFICATION_LLM_MODEL
_.QUALIFICATION_LLM_API_KEY
_.QUALIFICATION_LLM_TIMEOUT
_.SECURE_SSL_REDIRECT  # a setting a test turns on, read by Django's SecurityMiddleware
_.DEBUG  # a test turns it off: Django's handlers render the 403/404/500 templates
readline  # a test's stand-in stream: the server reads it

# --- named in settings or read by a framework from a view function --------------------------
split_by_method  # drf-spectacular's PREPROCESSING_HOOKS (settings), by dotted path
_.initkwargs  # leadrouter.api.dispatch: read by drf-spectacular from a view function

# --- read by Django's form widgets by name -----------------------------------------------------
template_name  # leadrouter.widgets.ConditionBuilderWidget: the template the widget renders
Media  # leadrouter.widgets.ConditionBuilderWidget: the builder's script and stylesheet
css  # leadrouter.widgets.ConditionBuilderWidget.Media
js  # leadrouter.widgets.ConditionBuilderWidget.Media
# --- read by Django's form machinery (leadrouter.forms pickers) -----------------------------
_.template_name  # Widget.get_context/render read it
_.value_omitted_from_data  # BaseForm: a missing editor keeps the saved hours
_.has_changed  # BaseForm.changed_data
_.format_value  # Widget.get_context
_.site_title  # AdminSite: the admin's <title>
_.index_title  # AdminSite: the index page's heading
_.has_module_permission  # ModelAdmin: whether the index lists the app
_.site_header  # AdminSite: the heading on every admin page
# --- the reports' drill-down filters, read by django-filter by name (leadrouter.api.filters) ---
_.won_after
_.won_before
_.assigned_to
_.assigned_after
_.assigned_before
_.contacted_while_owned
_.sla_breached
# --- read by the report templates (reporting/templates via templates/reporting/) -------------
_.vs_average  # reporting.presenters.HeadlineView: "vs the 8-week average"
_.team_median  # reporting.presenters.Comparison: a rep's page
get_item  # reporting.templatetags.report_format: a template filter
# --- read by the Monday digest's e-mail templates (templates/reporting/weekly_digest_email.*)
_.lead_name  # reporting.digest.SlaMiss
_.lateness  # reporting.digest.SlaMiss
_.claimed_at  # reporting.models.WeeklyDigest: read by the sweep as claimed_at__lt, and the admin
# --- the HubSpot sync's admin and its test server ----------------------------------------------
new_token  # routing.admin_hubspot.HubSpotConnectionForm: a form field, read by Django by name
clean_status_map  # HubSpotConnectionForm: Django's per-field clean hook
raw_id_fields  # HubSpotSyncEntryAdmin: read by the admin
owners_fetched_at  # HubSpotConnection: shown by the admin (its fields list)
fetched_at  # HubSpotOwner: shown by the admin (its fields list)
do_PATCH  # tests.routing.fake_hubspot: http.server calls do_<METHOD>

"""Reading vendor lead-notification emails: labelled lines in every layout vendors send, and
the lead fields they become. The notification texts are written for these tests in the style
of the portals' emails (no vendor publishes its template)."""

from intake.hooks.lead_email import html_to_text, lead_fields_from_labels, parse_labeled_lines

ZILLOW_TEXT = """\
New Contact

Jane Buyer is requesting information about 123 Main St, Austin, TX 78701.

Name: Jane Buyer
Email: jane.buyer@gmail.com <mailto:jane.buyer@gmail.com>
Phone: (512) 555-0134

Message:
I would like to schedule a tour of 123 Main St this weekend.
Is the seller flexible on the closing date?

Agents who reply within 5 minutes are far more likely to win the client: reply now.
View in your inbox: https://premieragent.zillow.com/crm/inbox/12345
https://www.zillow.com/homedetails/123-Main-St-Austin-TX-78701/29384756_zpid/

Zillow Group, 1301 Second Avenue, Floor 31, Seattle, WA 98101
"""

REALTOR_HTML = """\
<html><head><style>td { font-family: Arial; }</style><title>New lead</title></head>
<body><table width="600"><tr><td>
  <table>
    <tr><td colspan="2"><h2>You have a new buyer lead!</h2></td></tr>
    <tr><td><p><b>First Name:</b></p></td><td><p>Carlos</p></td></tr>
    <tr><td><b>Last Name:</b></td><td>Mendez</td></tr>
    <tr><td><b>Email:</b></td>
        <td><a href="mailto:carlos.m@yahoo.com">carlos.m@yahoo.com</a></td></tr>
    <tr><td><b>Phone:</b></td><td>303&nbsp;555&nbsp;0199</td></tr>
    <tr><td><b>Property Address:</b></td><td>45 Elm Ct, Denver, CO 80202</td></tr>
    <tr><td><b>Comments:</b></td>
        <td>Is this home still available?<br>I&#39;m pre-approved up to $650k.</td></tr>
    <tr><td><b>Lead ID:</b></td><td>RDC-778120</td></tr>
  </table>
</td></tr></table>
<script>var tracking = "Name: not a lead";</script>
</body></html>
"""

LENDINGTREE_TEXT = """\
LendingTree Lead Notification
-----------------------------
Lead ID - 4471930
Borrower Name - Priya Natarajan
Home Phone - 919-555-0172
Email - priya.n@outlook.com
Property State - NC
Zip Code - 27601
Loan Type - FHA
Loan Purpose - Refinance
Loan Amount - $245,000
Credit Rating - Good (680-719)
"""

HOMEADVISOR_TEXT = """\
You have a new lead!\r
\r
Customer Name:\r
Dan Whitfield\r
\r
Phone:\r
(614) 555-0123\r
\r
Email:\r
dan.whitfield@example.net\r
\r
Address:\r
88 Oak Ave, Columbus, OH 43215\r
\r
Task:\tRoof Repair or Maintenance\r
Timeframe:\tWithin 1 week\r
Project Details:\r
Leak over the garage after the last storm.\r
Need someone asap.\r
\r
SR #: 123456789\r
"""


# --- layouts ---------------------------------------------------------------------------------


def test_colon_dash_equals_and_tab_separated_labels_are_all_read():
    text = "Name: Jane Doe\nPhone - 555 123 4567\nZip = 78701\nCity\tAustin"

    assert parse_labeled_lines(text) == {
        "Name": "Jane Doe",
        "Phone": "555 123 4567",
        "Zip": "78701",
        "City": "Austin",
    }


def test_a_label_alone_on_its_line_takes_the_value_on_the_next_one():
    text = "Phone:\n(555) 123-4567\nEmail:\n\njane@example.org"

    assert parse_labeled_lines(text) == {"Phone": "(555) 123-4567", "Email": "jane@example.org"}


def test_a_label_alone_followed_by_another_label_has_no_value_and_is_left_out():
    assert parse_labeled_lines("Company:\nEmail: jane@example.org") == {"Email": "jane@example.org"}


def test_markdown_bold_and_bulleted_labels_lose_their_markup():
    text = (
        "**Name:** Jane Doe\n*Phone:* 555 123 4567\n- **Email:** jane@example.org\n• City: Austin"
    )

    assert parse_labeled_lines(text) == {
        "Name": "Jane Doe",
        "Phone": "555 123 4567",
        "Email": "jane@example.org",
        "City": "Austin",
    }


def test_quoted_reply_prefixes_are_ignored():
    text = "FYI see below\n> Name: Jane Doe\n> > Phone: 555 123 4567\n>Email: jane@example.org"

    assert parse_labeled_lines(text) == {
        "Name": "Jane Doe",
        "Phone": "555 123 4567",
        "Email": "jane@example.org",
    }


def test_crlf_non_breaking_and_zero_width_spaces_and_excess_whitespace_are_normalised():
    text = "Name:\u00a0\u00a0Jane \t Doe\r\n\u200bPhone :   555\u00a0123\u00a04567  \r\n"

    assert parse_labeled_lines(text) == {"Name": "Jane Doe", "Phone": "555 123 4567"}


def test_sentences_are_not_labels_even_with_a_colon_or_dash():
    text = (
        "Please respond within five minutes to improve your conversion rate: agents do.\n"
        "Questions? Contact us: support@vendor.example\n"
        "Thanks for your business. Reply here: anytime\n"
        "We called the lead - no answer\n"
    )

    assert parse_labeled_lines(text) == {"We called the lead": "no answer"}


def test_urls_and_times_of_day_never_become_labels():
    text = (
        "https://www.zillow.com/homedetails/123/\n"
        "http://example.org:8080/x?a=b\n"
        "10:30\n"
        "Call me at 10:30 or 14:45\n"
        "10:30 - 11:00\n"
        "Best Time: 10:30 AM\n"
    )

    assert parse_labeled_lines(text) == {"Best Time": "10:30 AM"}


def test_a_value_that_is_a_url_is_kept_whole():
    assert parse_labeled_lines("Listing: https://x.example/homes/1?ref=email") == {
        "Listing": "https://x.example/homes/1?ref=email"
    }


def test_the_first_value_of_a_label_wins_whatever_its_spelling():
    text = "Email: first@example.org\nEMAIL: second@example.org\nemail : third@example.org"

    assert parse_labeled_lines(text) == {"Email": "first@example.org"}


def test_a_message_runs_on_until_a_blank_line_or_the_next_label():
    text = "Comments: I'd like a quote\nfor a kitchen remodel.\nPhone: 555 123 4567\n"
    text += "Message:\nFirst line\nsecond line\n\nThanks,\nJane"

    labels = parse_labeled_lines(text)

    assert labels["Comments"] == "I'd like a quote\nfor a kitchen remodel."
    assert labels["Message"] == "First line\nsecond line"
    assert "Thanks" not in labels


def test_other_values_do_not_run_on():
    labels = parse_labeled_lines("Phone: 555 123 4567\nView this lead online\n")

    assert labels == {"Phone": "555 123 4567"}


def test_several_pairs_on_one_line_are_each_read():
    labels = parse_labeled_lines("Name: Jane Doe | Phone: 555 123 4567\nCity\tAustin\tState\tTX")

    assert labels == {"Name": "Jane Doe", "Phone": "555 123 4567", "City": "Austin", "State": "TX"}


def test_a_row_of_column_headers_names_the_row_of_values_below_it():
    text = "Name\tEmail\tPhone\nJane Doe\tjane@example.org\t555 123 4567\n"

    assert parse_labeled_lines(text) == {
        "Name": "Jane Doe",
        "Email": "jane@example.org",
        "Phone": "555 123 4567",
    }


def test_space_padded_columns_are_read_only_after_known_labels():
    text = "Name        Jane Doe\nPhone       555 123 4567\nThank you   for your business"

    assert parse_labeled_lines(text) == {"Name": "Jane Doe", "Phone": "555 123 4567"}


def test_a_known_label_alone_without_a_colon_takes_the_next_line():
    # Stacked HTML layouts put each label and value in blocks of their own.
    assert parse_labeled_lines("Name\nJane Doe\nEmail\njane@example.org") == {
        "Name": "Jane Doe",
        "Email": "jane@example.org",
    }


def test_outlook_link_notes_are_stripped_from_values():
    text = "Email: jane@example.org<mailto:jane@example.org>\nPhone: 555 123 4567 <tel:5551234567>"

    assert parse_labeled_lines(text) == {"Email": "jane@example.org", "Phone": "555 123 4567"}


# --- HTML ------------------------------------------------------------------------------------


def test_an_html_table_reads_as_label_and_value_rows():
    html = "<table><tr><td>Name</td><td>Jane Doe</td></tr><tr><th>Zip:</th><td>78701</td></tr>"

    assert parse_labeled_lines("", html) == {"Name": "Jane Doe", "Zip": "78701"}


def test_bold_labels_with_line_breaks_read_as_lines():
    html = "<p><b>Name:</b> Jane Doe<br><strong>Phone</strong>: 555 123 4567<br/></p>"

    assert parse_labeled_lines("", html) == {"Name": "Jane Doe", "Phone": "555 123 4567"}


def test_paragraphs_inside_table_cells_do_not_part_a_label_from_its_value():
    html = "<tr><td><p>Loan Type:</p></td><td><div>FHA</div></td></tr>"

    assert parse_labeled_lines("", html) == {"Loan Type": "FHA"}


def test_definition_lists_read_as_pairs():
    html = "<dl><dt>Timeframe</dt><dd>Within 1 week</dd><dt>Budget</dt><dd>$5,000</dd></dl>"

    assert parse_labeled_lines("", html) == {"Timeframe": "Within 1 week", "Budget": "$5,000"}


def test_scripts_styles_and_the_head_are_not_text():
    html = "<head><title>Name: X</title><style>a{b:c}</style></head><script>x='Name: Y'</script>"

    assert html_to_text(html).strip() == ""


def test_the_html_body_adds_only_labels_the_text_lacks():
    text = "View this email in your browser\nName: Jane Doe"
    html = "<p>Name: Someone Else</p><p>Phone: 555 123 4567</p>"

    assert parse_labeled_lines(text, html) == {"Name": "Jane Doe", "Phone": "555 123 4567"}


def test_broken_html_still_gives_its_text():
    html = "<table><tr><td>Name<td>Jane Doe<tr><td>Phone<td>555 123 4567</table>"

    assert parse_labeled_lines("", html) == {"Name": "Jane Doe", "Phone": "555 123 4567"}


# --- vendor notifications --------------------------------------------------------------------


def test_a_zillow_style_notification_becomes_a_lead():
    labels = parse_labeled_lines(ZILLOW_TEXT)
    fields = lead_fields_from_labels(labels)

    assert fields["full_name"] == "Jane Buyer"
    assert fields["email"] == "jane.buyer@gmail.com"
    assert fields["phone"] == "(512) 555-0134"
    assert fields["message"] == (
        "I would like to schedule a tour of 123 Main St this weekend.\n"
        "Is the seller flexible on the closing date?"
    )
    assert not any(label.lower().startswith("http") for label in labels)
    assert not any(label.startswith(("Agents", "Zillow")) for label in labels)
    assert fields["attributes"] == {
        "View in your inbox": "https://premieragent.zillow.com/crm/inbox/12345"
    }


def test_a_realtor_com_style_html_notification_becomes_a_lead():
    fields = lead_fields_from_labels(parse_labeled_lines("", REALTOR_HTML))

    assert (fields["first_name"], fields["last_name"]) == ("Carlos", "Mendez")
    assert fields["email"] == "carlos.m@yahoo.com"
    assert fields["phone"] == "303 555 0199"
    assert fields["message"] == "Is this home still available?\nI'm pre-approved up to $650k."
    assert fields["external_id"] == "RDC-778120"
    # The listing's address is not where the buyer lives.
    assert fields["attributes"]["Property Address"] == "45 Elm Ct, Denver, CO 80202"
    assert "postal_code" not in fields
    assert "Name" not in fields["attributes"]


def test_a_lendingtree_style_notification_keeps_loan_details_as_attributes():
    fields = lead_fields_from_labels(parse_labeled_lines(LENDINGTREE_TEXT))

    assert fields["external_id"] == "4471930"
    assert fields["full_name"] == "Priya Natarajan"
    assert fields["phone"] == "919-555-0172"
    assert fields["email"] == "priya.n@outlook.com"
    assert (fields["state"], fields["postal_code"]) == ("NC", "27601")
    assert "request_type" not in fields
    assert fields["attributes"]["Loan Type"] == "FHA"
    assert fields["attributes"]["Loan Purpose"] == "Refinance"
    assert fields["attributes"]["Credit Rating"] == "Good (680-719)"


def test_a_homeadvisor_style_notification_with_labels_above_values_becomes_a_lead():
    fields = lead_fields_from_labels(parse_labeled_lines(HOMEADVISOR_TEXT))

    assert fields["full_name"] == "Dan Whitfield"
    assert fields["phone"] == "(614) 555-0123"
    assert fields["email"] == "dan.whitfield@example.net"
    assert fields["attributes"]["address"] == "88 Oak Ave, Columbus, OH 43215"
    assert (fields["city"], fields["state"], fields["postal_code"]) == ("Columbus", "OH", "43215")
    assert fields["message"] == "Leak over the garage after the last storm.\nNeed someone asap."
    assert fields["external_id"] == "123456789"
    assert fields["attributes"]["Task"] == "Roof Repair or Maintenance"


# --- lead fields -----------------------------------------------------------------------------


def test_common_vendor_labels_map_to_lead_fields():
    fields = lead_fields_from_labels(
        {
            "Full Name": "Jane Doe",
            "E-mail": "jane@example.org",
            "Best Phone": "555 123 4567",
            "Company Name": "Acme",
            "Street Address": "1 Main St",
            "City": "Austin",
            "ZIP Code": "78701",
            "Notes": "Call after 5",
            "Reference #": "R-1",
        }
    )

    assert fields == {
        "full_name": "Jane Doe",
        "email": "jane@example.org",
        "phone": "555 123 4567",
        "company": "Acme",
        "city": "Austin",
        "postal_code": "78701",
        "message": "Call after 5",
        "external_id": "R-1",
        "attributes": {"address": "1 Main St"},
    }


def test_values_that_do_not_look_like_their_field_stay_attributes():
    fields = lead_fields_from_labels(
        {"Email": "see below", "Phone": "call anytime", "Name": "jane@example.org"}
    )

    assert "email" not in fields and "phone" not in fields and "full_name" not in fields
    assert fields["attributes"] == {
        "Email": "see below",
        "Phone": "call anytime",
        "Name": "jane@example.org",
    }


def test_placeholders_for_missing_values_are_dropped():
    fields = lead_fields_from_labels({"Phone": "N/A", "Company": "-", "Name": "Jane Doe"})

    assert fields == {"full_name": "Jane Doe", "attributes": {}}


def test_a_second_phone_and_the_agents_phone_are_kept_but_not_used_as_the_leads():
    fields = lead_fields_from_labels(
        {
            "Agent Phone": "555-555-1234",
            "Cell Phone": "(555) 123-4567 (mobile)",
            "Home Phone": "555 765 4321",
        }
    )

    assert fields["phone"] == "(555) 123-4567"
    assert fields["attributes"] == {"Agent Phone": "555-555-1234", "Home Phone": "555 765 4321"}


def test_city_state_and_zip_in_one_value_are_split():
    fields = lead_fields_from_labels({"City, State, Zip": "Austin, TX 78701-1234"})

    assert (fields["city"], fields["state"], fields["postal_code"]) == (
        "Austin",
        "TX",
        "78701-1234",
    )


def test_forwarded_message_headers_are_not_lead_details():
    text = (
        "---------- Forwarded message ---------\n"
        "From: Zillow <noreply@zillow.example>\n"
        "Date: Mon, Jun 3, 2024 at 10:30 AM\n"
        "Subject: New contact\n"
        "To: <agent@realty.example>\n\n"
        "Name: Jane Doe\nPhone: 555 123 4567\n"
    )

    fields = lead_fields_from_labels(parse_labeled_lines(text))

    assert fields["full_name"] == "Jane Doe"
    assert "email" not in fields
    assert set(fields["attributes"]) == {"Date"}


def test_labels_the_generic_aliases_know_go_to_their_field_and_odd_ones_stay_attributes():
    fields = lead_fields_from_labels(
        {"Landing Page": "https://x.example/a", "Is Test": "maybe", "Attributes": "x"}
    )

    assert fields["landing_page"] == "https://x.example/a"
    assert fields["attributes"] == {"Is Test": "maybe", "Attributes": "x"}


def test_a_newsletter_with_hundreds_of_labels_is_capped():
    text = "\n".join(f"Item {n}: value {n}" for n in range(500))

    labels = parse_labeled_lines(text)

    assert len(labels) == 100
    assert labels["Item 0"] == "value 0"


def test_an_email_without_labels_gives_no_fields():
    assert parse_labeled_lines("Hi,\n\nI'd love a quote for my roof.\n\nThanks, Jane") == {}
    assert lead_fields_from_labels({}) == {"attributes": {}}

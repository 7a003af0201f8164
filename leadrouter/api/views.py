"""The lead API: `GET /api/v1/leads/` lists the leads a user may see, `POST` submits one (a
source), `GET /api/v1/leads/{id}/` shows one, `POST /api/v1/leads/{id}/activities/` logs a
contact attempt on it. One view per operation; `urls` puts the first two on one path
(`dispatch.by_method`)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from intake.api.throttling import SourceRateThrottle
from intake.doors import BodyRefused, PayloadTooLarge, close_connection, read_body
from leadrouter.api import selectors, services
from leadrouter.api.authentication import BearerKeyAuthentication
from leadrouter.api.filters import LeadFilter
from leadrouter.api.permissions import IsSource, IsUser
from leadrouter.api.schema import (
    IDEMPOTENT_REPLAYED,
    LIST_ERRORS,
    READ_ERRORS,
    RETRY_AFTER,
    WWW_AUTHENTICATE,
    LeadCollectionSchema,
    LeadSubmitInputSerializer,
    error_response,
)
from leadrouter.api.serializers import (
    ActivityLogInputSerializer,
    ActivitySerializer,
    LeadDetailSerializer,
    LeadSerializer,
    SubmissionFailedSerializer,
)
from leadrouter.api.services import MAX_IDEMPOTENCY_KEY_LENGTH
from routing.services import activity_log

# What the document promises clients: printable ASCII with something besides spaces (the view
# itself also takes any other printable character a header can carry).
IDEMPOTENCY_KEY_PATTERN = r"^[ -~]*[!-~][ -~]*$"
# The document describes the collection's two operations together, as it did when one view
# served both.
COLLECTION_DESCRIPTION = "POST: a source submits a lead. GET: a user lists the leads they may see."


class PayloadTooLargeError(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


@extend_schema_view(
    get=extend_schema(
        description=COLLECTION_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Search name, email, phone, company"
            ),
            WWW_AUTHENTICATE,
        ],
        responses={200: LeadSerializer(many=True), **LIST_ERRORS},
    )
)
class LeadListApi(generics.ListAPIView):
    """A user lists the leads they may see (`selectors.lead_list_for_user`), filtered by
    `LeadFilter` and paginated."""

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUser]
    serializer_class = LeadSerializer
    filterset_class = LeadFilter

    def get_queryset(self):
        return selectors.lead_list_for_user(user=self.request.user)


class LeadSubmitApi(APIView):
    """A source submits a lead: the raw body is read (and refused when too large) before
    anything else, then `services.lead_submit` stores it, runs the pipeline and answers."""

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    permission_classes = [IsSource]
    throttle_classes = [SourceRateThrottle]
    parser_classes: list = []  # the raw body is stored before anything parses it
    schema = LeadCollectionSchema()

    def initial(self, request, *args, **kwargs):
        # Refuse an oversized body before authentication or parsing reads a byte of it.
        try:
            self.raw_body = read_body(request._request)
        except BodyRefused as exc:
            self.body_left_unread = True
            if isinstance(exc, PayloadTooLarge):
                raise PayloadTooLargeError(str(exc)) from None
            raise exceptions.ValidationError({"body": [str(exc)]}) from None
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if getattr(self, "body_left_unread", False):
            close_connection(response)
        return response

    @extend_schema(
        description=COLLECTION_DESCRIPTION,
        # The view has no parsers (it stores the raw body first), so the media type is named.
        request={"application/json": LeadSubmitInputSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH,
                    "pattern": IDEMPOTENCY_KEY_PATTERN,
                },
                OpenApiParameter.HEADER,
                description="Replays with the same key and body return the first answer. "
                f"1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters, scoped to the source.",
            ),
            WWW_AUTHENTICATE,
            RETRY_AFTER,
            IDEMPOTENT_REPLAYED,
        ],
        responses={
            201: OpenApiResponse(LeadSerializer, description="A new lead"),
            200: OpenApiResponse(
                LeadSerializer,
                description="Merged into the person's open lead, or a replay of a 201",
            ),
            202: OpenApiResponse(
                SubmissionFailedSerializer,
                description="Stored; processing failed and an operator can reprocess it",
            ),
            400: error_response(
                "The body cannot become a lead (not a JSON object, a wrong type, a size over "
                "a limit, nothing that identifies a person), or the Idempotency-Key is not "
                "valid. `errors` names each field and why; the body is kept as `submission`."
            ),
            401: error_response("No source key, or one that is not valid or inactive."),
            403: error_response("A user token: only source keys submit leads."),
            409: error_response("A request with this Idempotency-Key is still being processed."),
            413: error_response("The body is larger than INTAKE_MAX_BODY_BYTES; not stored."),
            422: error_response("This Idempotency-Key was used with a different body."),
            429: error_response("Over the source's requests per minute; see Retry-After."),
        },
    )
    def post(self, request):
        answer = services.lead_submit(
            request=request._request,
            source=request.auth,
            body=self.raw_body,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class LeadDetailApi(generics.GenericAPIView):
    """One lead with its normalized contact data, quality flags and timeline."""

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUser]
    serializer_class = LeadDetailSerializer

    @extend_schema(
        parameters=[WWW_AUTHENTICATE],
        responses={
            200: LeadDetailSerializer,
            **READ_ERRORS,
            404: error_response("No such lead, or one this user may not see."),
        },
    )
    def get(self, request, lead_id: int):
        lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
        return Response(LeadDetailSerializer(lead).data)


class ActivityLogApi(APIView):
    """A user logs a contact attempt made in another tool, through the lead page's own service
    (`routing.services.activity_log`): who may act, what is valid and what the attempt does to
    the lead's status and SLA clock are decided there."""

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUser]
    parser_classes = [JSONParser]

    @extend_schema(
        request=ActivityLogInputSerializer,
        parameters=[WWW_AUTHENTICATE],
        responses={
            201: ActivitySerializer,
            400: error_response(
                "A field is not valid: an unknown kind or outcome (the reason lists the "
                "allowed values), a note too long, a callback_at without an offset, in the "
                "past or more than a year ahead. `errors` names each field and why."
            ),
            **READ_ERRORS,
            404: error_response(
                "No such lead, or one this user may not act on (a rep acts on their own "
                "leads, a manager on the team's, staff on all)."
            ),
            409: error_response(
                "The lead is closed (won, lost, disqualified) or merged into another lead: "
                "`errors` says which and why."
            ),
        },
    )
    def post(self, request, lead_id: int):
        lead = selectors.lead_get_for_user(user=request.user, lead_id=lead_id)
        data = ActivityLogInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = activity_log(lead=lead, user=request.user, **data.validated_data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

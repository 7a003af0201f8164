from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from intake import selectors, services
from intake.api.authentication import BearerKeyAuthentication
from intake.api.permissions import IsSource, IsUser
from intake.api.schema import (
    IDEMPOTENT_REPLAYED,
    LIST_ERRORS,
    READ_ERRORS,
    RETRY_AFTER,
    WWW_AUTHENTICATE,
    LeadCollectionSchema,
    LeadSubmitInputSerializer,
    error_response,
)
from intake.api.serializers import (
    LeadDetailSerializer,
    LeadSerializer,
    SubmissionFailedSerializer,
)
from intake.api.throttling import SourceRateThrottle
from intake.doors import (
    BodyRefused,
    PayloadTooLarge,
    close_connection,
    read_body,
    store_request,
)
from intake.filters import LeadFilter
from intake.models import Door
from leadrouter import pipeline

MAX_IDEMPOTENCY_KEY_LENGTH = 255
# What the document promises clients: printable ASCII with something besides spaces (the view
# itself also takes any other printable character a header can carry).
IDEMPOTENCY_KEY_PATTERN = r"^[ -~]*[!-~][ -~]*$"


class PayloadTooLargeError(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class LeadCollectionApi(generics.GenericAPIView):
    """POST: a source submits a lead. GET: a user lists the leads they may see."""

    authentication_classes = [BearerKeyAuthentication, SessionAuthentication]
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    parser_classes: list = []  # the raw body is stored before anything parses it
    schema = LeadCollectionSchema()

    def get_permissions(self):
        return [IsSource()] if self.request.method == "POST" else [IsUser()]

    def get_throttles(self):
        return [SourceRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self):
        return selectors.lead_list_for_user(user=self.request.user)

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
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
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Search name, email, phone, company"
            ),
            WWW_AUTHENTICATE,
        ],
        responses={200: LeadSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(LeadSerializer(page, many=True).data)

    @extend_schema(
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
        source = request.auth
        key = request.headers.get("Idempotency-Key")
        if key is None:
            answer_status, answer = self._submit(request, source)
            return Response(answer, status=answer_status)
        key = services.idempotency_key_clean(key)
        if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
            raise exceptions.ValidationError(
                {
                    "idempotency_key": [
                        f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters"
                    ]
                }
            )
        claim = services.idempotency_claim(source=source, key=key, body=self.raw_body)
        if claim.state is services.Claim.MISMATCH:
            return Response(
                {"errors": {"idempotency_key": ["was already used with a different request body"]}},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if claim.state is services.Claim.IN_FLIGHT or claim.record_id is None:
            return Response(
                {
                    "errors": {
                        "idempotency_key": ["a request with this key is still being processed"]
                    }
                },
                status=status.HTTP_409_CONFLICT,
            )
        if claim.state is services.Claim.REPLAY:
            replay_status = 200 if claim.response_status == 201 else claim.response_status
            response = Response(claim.response_body, status=replay_status)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            answer_status, answer = self._submit(request, source)
        except BaseException:
            services.idempotency_release(record_id=claim.record_id)
            raise
        services.idempotency_complete(record_id=claim.record_id, status=answer_status, body=answer)
        return Response(answer, status=answer_status)

    def _submit(self, request, source) -> tuple[int, dict]:
        submission = store_request(
            request._request, source=source, door=Door.API, body=self.raw_body
        )
        result = pipeline.process_submission(submission)
        if result.errors:
            return 400, {"errors": result.errors, "submission": submission.pk}
        if result.failed or result.lead is None:
            return 202, {
                "submission": submission.pk,
                "status": "failed",
                "detail": "The lead was stored but could not be processed; "
                "it is kept and an operator can reprocess it.",
            }
        lead = selectors.lead_for_response(lead_id=result.lead.pk)
        return (201 if result.created else 200), dict(LeadSerializer(lead).data)


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

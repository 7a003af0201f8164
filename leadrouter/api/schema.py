"""The OpenAPI document's shared pieces (error answers and response headers every API view
uses), and the description of the body `POST /api/v1/leads/` accepts, built from intake.fields.

The view stores the raw body before anything parses it (`parser_classes = []`), so DRF knows
nothing of its shape; `intake.fields` is the one place that names the fields and their limits,
and this module turns those same constants into the `LeadSubmitRequest` component. Nothing here
validates: a change to a limit in intake.fields changes the document with it.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from intake import fields
from leadrouter.api.serializers import ErrorSerializer

# Text that is still there once `clean_text` has removed control characters and stripped
# whitespace: at least one character that is neither (ECMA-262 syntax, as OpenAPI asks).
VISIBLE_TEXT_PATTERN = r"[^\s\u0000-\u001f\u007f-\u009f]"


class LeadSubmitInputSerializer(serializers.Serializer):
    """The body of `POST /api/v1/leads/`, for the OpenAPI document only (see the module)."""


def _attribute_value_name(depth: int) -> str:
    return "LeadAttributeValue" if depth == 1 else f"LeadAttributeValueDepth{depth}"


def _attribute_value_schema(depth: int, nested_ref: dict | None) -> dict:
    """A value `depth` levels below `attributes`: what `_validate_attribute_value` accepts.

    Lists and objects hold values one level deeper; at the deepest level there is none, so a
    list or object there can only be empty.
    """
    deeper = nested_ref or {}
    container_limit = {"maxItems": 0} if nested_ref is None else {}
    object_limit = {"maxProperties": 0} if nested_ref is None else {}
    containers = (
        f"a list or object of at most {fields.MAX_ATTRIBUTES} items"
        if nested_ref
        else "an empty list or object (nothing may nest deeper)"
    )
    return {
        "description": (
            f"A value {depth} level{'s' if depth > 1 else ''} inside `attributes` "
            f"(at most {fields.MAX_ATTRIBUTE_DEPTH}): text of at most "
            f"{fields.MAX_ATTRIBUTE_STRING_LENGTH} characters, a number, true/false, null, "
            f"or {containers}."
        ),
        "anyOf": [
            {"type": "string", "maxLength": fields.MAX_ATTRIBUTE_STRING_LENGTH},
            {"type": "number"},
            # OpenAPI 3.0 has no null type: `nullable` needs a `type` beside it.
            {"type": "boolean", "nullable": True},
            {
                "type": "array",
                "maxItems": fields.MAX_ATTRIBUTES,
                "items": deeper,
                **container_limit,
            },
            {
                "type": "object",
                "maxProperties": fields.MAX_ATTRIBUTES,
                "additionalProperties": deeper,
                **object_limit,
            },
        ],
    }


def _register_attribute_values(auto_schema) -> dict:
    """Register one component per nesting level, deepest first; return the first level's $ref."""
    ref = None
    for depth in range(fields.MAX_ATTRIBUTE_DEPTH, 0, -1):
        name = _attribute_value_name(depth)
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema=_attribute_value_schema(depth, ref),
        )
        auto_schema.registry.register_on_missing(component)
        ref = component.ref
    return component.ref


def lead_submit_schema(attribute_value_ref: dict) -> dict:
    """The JSON Schema (OpenAPI 3.0 dialect) of a lead submission, from intake.fields."""
    keys_rule = (
        f"Keys are 1 to {fields.MAX_ATTRIBUTE_KEY_LENGTH} printable characters; at most "
        f"{fields.MAX_ATTRIBUTES} keys (together with any unknown top-level fields)."
    )
    properties: dict[str, dict] = {
        name: {
            "type": "string",
            "nullable": True,
            "maxLength": max_length,
            "description": (
                f"At most {max_length} characters. A number is read as its text; null or "
                "empty means not given."
            ),
        }
        for name, max_length in fields.STRING_FIELDS.items()
    }
    for name in fields.BOOLEAN_FIELDS:
        properties[name] = {
            "type": "boolean",
            "nullable": True,
            "description": "The text values true/false, yes/no, 1/0 are read as well.",
        }
    properties["attributes"] = {
        "type": "object",
        "nullable": True,
        "maxProperties": fields.MAX_ATTRIBUTES,
        "additionalProperties": attribute_value_ref,
        "description": f"Anything else about the lead, kept as given. {keys_rule}",
    }
    identifying = ", ".join(f"`{name}`" for name in fields.IDENTIFYING_FIELDS)
    return {
        "type": "object",
        "description": (
            "A lead as any door maps it. Fields are checked for type and size only: a bad "
            "value (an invalid phone, a ZIP that contradicts the state) is flagged by the "
            "quality gate and the lead is kept. A body that cannot be stored safely answers "
            "400 naming each field and its reason.\n\n"
            f"At least one of {identifying} must hold text, or the lead must carry "
            "attributes (an unknown top-level field counts: it is kept in `attributes`).\n\n"
            "Common names of the fields are read as the fields, ignoring case, spaces, `_` "
            "and `-` (`x-lead-field-aliases`), and a source's field map in the admin renames "
            "its own. Any other top-level field is kept in `attributes`, so nothing is lost."
        ),
        "properties": properties,
        "additionalProperties": attribute_value_ref,
        "anyOf": [
            *(
                {
                    "required": [name],
                    "properties": {name: {"type": "string", "pattern": VISIBLE_TEXT_PATTERN}},
                }
                for name in fields.IDENTIFYING_FIELDS
            ),
            {
                "required": ["attributes"],
                "properties": {"attributes": {"type": "object", "minProperties": 1}},
            },
            {
                # Some property that is none of the lead fields: kept in `attributes`.
                "not": {
                    "properties": {name: {} for name in fields.LEAD_FIELDS},
                    "additionalProperties": False,
                }
            },
        ],
        "x-lead-field-aliases": dict(sorted(fields.FIELD_ALIASES.items())),
    }


class LeadSubmitInputScheme(OpenApiSerializerExtension):
    """Publishes `LeadSubmitInputSerializer` as the schema built by `lead_submit_schema`."""

    target_class = LeadSubmitInputSerializer

    def get_name(self, auto_schema, direction) -> str:
        return "LeadSubmit"  # drf-spectacular adds "Request" (COMPONENT_SPLIT_REQUEST)

    def map_serializer(self, auto_schema, direction) -> dict:
        return lead_submit_schema(_register_attribute_values(auto_schema))


class LeadCollectionSchema(AutoSchema):
    """The lead submission's schema: its body is required.

    drf-spectacular marks a body required only when its component lists required properties;
    a lead has none on its own (one of several will do: `anyOf`), yet an empty body is a 400.
    """

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body is not None:
            body["required"] = True
        return body


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# Response headers: OpenApiParameter with `response=` documents a header of those answers.
WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[401],
    required=True,
    description="`Bearer`: send `Authorization: Bearer <key>`.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    required=True,
    description="Seconds until the source's one-minute window resets.",
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 202, 400],
    enum=["true"],
    description="Present when the answer is the stored answer to an earlier request with the "
    "same Idempotency-Key.",
)

# What every authenticated read can answer besides 200.
READ_ERRORS = {
    401: error_response("No credentials, or a key or token that is not valid."),
    403: error_response("A source key (it may only submit leads), or a user not allowed here."),
}
# A paginated list with a FilterSet adds these.
LIST_ERRORS = {
    **READ_ERRORS,
    400: error_response("A filter value is not valid: `errors` names each filter and why."),
    404: error_response("The page does not exist (`?page=` past the last page, or below 1)."),
}

"""Standard Webhooks signatures, checked against the specification's published example."""

import base64

from intake.webhooks import signing

# The example of the specification's reference libraries (standard-webhooks/standard-webhooks,
# libraries/python tests; the same in Svix's documentation): this secret, id, timestamp and
# body sign to this signature. standardwebhooks 1.1.0's Webhook.sign() gives it too.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_matches_the_specifications_published_example():
    assert signing.signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_during_a_rotation_each_secret_in_use_signs_space_separated():
    new = signing.secret_generate()
    headers = signing.headers([new, SPEC_SECRET], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    assert headers["webhook-id"] == SPEC_ID
    assert headers["webhook-timestamp"] == "1614265330"
    first, second = headers["webhook-signature"].split(" ")
    assert first == signing.signature(new, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    assert second == SPEC_SIGNATURE


def test_a_new_secret_is_whsec_and_32_random_bytes_in_base64():
    secret = signing.secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.secret_generate() != secret

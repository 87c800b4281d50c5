"""Webhook verification: interoperable with the standardwebhooks package, strict on every check."""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import time
import uuid
from typing import Any

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks import (
    WebhookVerificationError,
    sign_webhook,
    verify_webhook,
    verify_webhook_signature,
)
from faraday_webhooks.testing import WebhookReceiver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NOW = 1_727_360_825


def event_body(**overrides: Any) -> bytes:
    event: dict[str, Any] = {
        "timestamp": "2024-09-26T14:27:05.944507+00:00",
        "type": "resource.ready_with_update",
        "data": {
            "account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
            "resource_id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
            "resource_type": "cohorts",
        },
    }
    event.update(overrides)
    return json.dumps(event).encode()


def their_headers(
    secret: str, msg_id: str, timestamp: int, body: bytes, family: str = "webhook"
) -> dict[str, str]:
    signature = Webhook(secret).sign(
        msg_id, datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC), body.decode()
    )
    return {
        f"{family}-id": msg_id,
        f"{family}-timestamp": str(timestamp),
        f"{family}-signature": signature,
    }


def as_webhook_family(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("svix-", "webhook-"): value for name, value in headers.items()}


# -- interoperability, generated ------------------------------------------------

secrets_strategy = st.binary(min_size=16, max_size=64).map(
    lambda raw: "whsec_" + base64.b64encode(raw).decode()
)
ids = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="."),
    min_size=1,
    max_size=40,
)
payloads = st.builds(
    lambda kind, resource_type, extra: event_body(
        type=kind,
        data={
            "account_id": str(uuid.UUID(int=extra[0])),
            "resource_id": str(uuid.UUID(int=extra[1])),
            "resource_type": resource_type,
        },
        **extra[2],
    ),
    kind=st.text(min_size=1, max_size=30),
    resource_type=st.text(max_size=20),
    extra=st.tuples(
        st.integers(0, 2**128 - 1),
        st.integers(0, 2**128 - 1),
        st.dictionaries(
            st.text(min_size=1, max_size=8).filter(
                lambda k: k not in ("type", "data", "timestamp")
            ),
            st.text(max_size=30),
            max_size=3,
        ),
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    secret=secrets_strategy,
    msg_id=ids,
    body=payloads,
    skew=st.integers(-300, 300),
    family=st.sampled_from(["webhook", "svix"]),
)
def test_signed_by_standardwebhooks_verified_by_us(
    secret: str, msg_id: str, body: bytes, skew: int, family: str
) -> None:
    headers = their_headers(secret, msg_id, NOW + skew, body, family)
    event = verify_webhook(body, headers, secret, now=NOW)
    verify_webhook_signature(body, headers, secret, now=NOW)  # raises if it disagrees
    parsed = json.loads(body)
    assert event.type == parsed["type"]
    assert event.to_dict() == parsed  # unknown fields are kept
    if isinstance(event, fw.ResourceEvent):
        assert event.data.resource_type == parsed["data"]["resource_type"]
        assert str(event.data.resource_id) == parsed["data"]["resource_id"]
    else:  # a type this package does not type arrives with the data as sent
        assert event.data == parsed["data"]


@settings(max_examples=200, deadline=None)
@given(secret=secrets_strategy, msg_id=ids, body=payloads)
def test_signed_by_us_verified_by_standardwebhooks(secret: str, msg_id: str, body: bytes) -> None:
    headers = sign_webhook(body, secret, msg_id=msg_id)
    assert set(headers) == {"svix-id", "svix-timestamp", "svix-signature"}
    assert Webhook(secret).verify(body, as_webhook_family(headers)) == json.loads(body)
    assert verify_webhook(body.decode(), headers, secret).type == json.loads(body)["type"]


@settings(max_examples=100, deadline=None)
@given(
    secrets=st.lists(secrets_strategy, min_size=2, max_size=4, unique=True),
    which=st.integers(0, 3),
    body=payloads,
)
def test_rotation_lists_any_matching_entry_is_enough(
    secrets: list[str], which: int, body: bytes
) -> None:
    signatures = [their_headers(s, "msg_1", NOW, body)["webhook-signature"] for s in secrets]
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": " ".join(["v2,abc", *signatures]),
    }
    verify_webhook(body, headers, secrets[which % len(secrets)], now=NOW)
    assert (
        Webhook(secrets[which % len(secrets)]).sign(
            "msg_1", datetime.datetime.fromtimestamp(NOW, tz=datetime.UTC), body.decode()
        )
        in signatures
    )


# -- boundaries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("skew", "outcome"),
    [(-300, None), (-301, "timestamp_too_old"), (300, None), (301, "timestamp_too_new"), (0, None)],
)
def test_timestamp_tolerance_is_inclusive_both_ways(skew: int, outcome: str | None) -> None:
    body = event_body()
    headers = their_headers(SECRET, "msg_b", NOW + skew, body)
    if outcome is None:
        verify_webhook(body, headers, SECRET, now=NOW)
    else:
        with pytest.raises(WebhookVerificationError) as caught:
            verify_webhook(body, headers, SECRET, now=NOW)
        assert caught.value.reason == outcome


def test_custom_tolerance() -> None:
    body = event_body()
    headers = sign_webhook(body, SECRET, timestamp=NOW - 20)
    verify_webhook(body, headers, SECRET, now=NOW, tolerance=20)
    with pytest.raises(WebhookVerificationError, match="older"):
        verify_webhook(body, headers, SECRET, now=NOW, tolerance=19)


# -- every rejection path --------------------------------------------------------

GOOD = sign_webhook(event_body(), SECRET, msg_id="msg_good", timestamp=NOW)


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in GOOD.items() if k != name}


REJECTIONS: list[tuple[str, Any, Any, Any, str]] = [
    ("no id", event_body(), without("svix-id"), SECRET, "missing_header"),
    ("no timestamp", event_body(), without("svix-timestamp"), SECRET, "missing_header"),
    ("no signature", event_body(), without("svix-signature"), SECRET, "missing_header"),
    ("empty signature", event_body(), {**GOOD, "svix-signature": ""}, SECRET, "missing_header"),
    ("no headers", event_body(), {}, SECRET, "missing_header"),
    (
        "text timestamp",
        event_body(),
        {**GOOD, "svix-timestamp": "yesterday"},
        SECRET,
        "invalid_timestamp",
    ),
    (
        "float timestamp",
        event_body(),
        {**GOOD, "svix-timestamp": f"{NOW}.5"},
        SECRET,
        "invalid_timestamp",
    ),
    (
        "negative timestamp",
        event_body(),
        {**GOOD, "svix-timestamp": f"-{NOW}"},
        SECRET,
        "invalid_timestamp",
    ),
    (
        "unicode digits",
        event_body(),
        {**GOOD, "svix-timestamp": "١٢٣"},
        SECRET,
        "invalid_timestamp",
    ),
    (
        "old",
        event_body(),
        sign_webhook(event_body(), SECRET, timestamp=NOW - 3600),
        SECRET,
        "timestamp_too_old",
    ),
    (
        "future",
        event_body(),
        sign_webhook(event_body(), SECRET, timestamp=NOW + 3600),
        SECRET,
        "timestamp_too_new",
    ),
    ("only v2", event_body(), {**GOOD, "svix-signature": "v2,abc"}, SECRET, "no_signature"),
    ("no comma", event_body(), {**GOOD, "svix-signature": "v1abc"}, SECRET, "no_signature"),
    (
        "garbage",
        event_body(),
        {**GOOD, "svix-signature": "v1,%%% v1,"},
        SECRET,
        "no_matching_signature",
    ),
    (
        "wrong secret",
        event_body(),
        GOOD,
        "whsec_" + base64.b64encode(b"x" * 32).decode(),
        "no_matching_signature",
    ),
    (
        "id with a lone surrogate",
        event_body(),
        {**GOOD, "svix-id": "msg_\ud800"},
        SECRET,
        "invalid_message_id",
    ),
    # Ids are what the whole package agrees on (_validation.is_message_id): a longer one
    # could be verified but never deduplicated.
    (
        "id of 1,001 bytes",
        event_body(),
        {**GOOD, "svix-id": "é" * 500 + "x"},
        SECRET,
        "invalid_message_id",
    ),
    (
        "id with a line break",
        event_body(),
        {**GOOD, "svix-id": "msg\n1"},
        SECRET,
        "invalid_message_id",
    ),
    ("not base64", event_body(), GOOD, "whsec_not*base64!", "invalid_secret"),
    ("empty key", event_body(), GOOD, "whsec_", "invalid_secret"),
    ("secret not str", event_body(), GOOD, b"whsec_abc", "invalid_secret"),
    ("payload not bytes", 42, GOOD, SECRET, "invalid_payload"),
    ("payload with a lone surrogate", "{\udfff}", GOOD, SECRET, "no_matching_signature"),
]


@pytest.mark.parametrize("verify", [verify_webhook, verify_webhook_signature])
@pytest.mark.parametrize(
    ("name", "body", "headers", "secret", "reason"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_each_rejection_names_its_check(
    verify: Any, name: str, body: Any, headers: dict[str, str], secret: Any, reason: str
) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify(body, headers, secret, now=NOW)
    assert caught.value.reason == reason
    assert isinstance(caught.value, fw.FaradayError)
    for leaked in (SECRET, SECRET.removeprefix("whsec_"), "not*base64"):
        assert leaked not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("not json", b"hello"),
        ("json but not an event", b'{"hello": 1}'),
        ("data not an object", event_body(data=["cohorts"])),
        ("no data", b'{"type": "resource.errored", "timestamp": "2024-09-26T14:27:05+00:00"}'),
        ("type not a string", event_body(type=5)),
        ("bad timestamp", event_body(timestamp="noon")),
        ("an array", b"[1]"),
        ("invalid utf-8", b"\xff\xfe"),
    ],
)
def test_correctly_signed_bodies_that_are_not_events_are_rejected(name: str, body: bytes) -> None:
    headers = sign_webhook(body, SECRET, timestamp=NOW)
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(body, headers, SECRET, now=NOW)
    assert caught.value.reason == "invalid_payload"
    # The signature-only check trusts the bytes and leaves parsing to the caller.
    verify_webhook_signature(body, headers, SECRET, now=NOW)  # accepted: no exception


_AROUND_JSON = st.text(alphabet=" \t\n\r\x0b\x0c\u3000\ufeff\u00a0x}0", max_size=4)


@settings(max_examples=300, deadline=None)
@given(before=_AROUND_JSON, after=_AROUND_JSON)
def test_a_signed_body_parses_exactly_when_json_loads_would(before: str, after: str) -> None:
    # JSON allows only space, tab, CR and LF around a document: a trailing newline is a
    # delivery, a trailing form feed, BOM or stray brace is not.
    body = (before + event_body().decode() + after).encode()
    headers = sign_webhook(body, SECRET, timestamp=NOW)
    try:
        json.loads(body.decode())
    except ValueError:
        with pytest.raises(WebhookVerificationError) as caught:
            verify_webhook(body, headers, SECRET, now=NOW)
        assert caught.value.reason == "invalid_payload"
    else:
        assert verify_webhook(body, headers, SECRET, now=NOW).type == "resource.ready_with_update"


def test_a_one_byte_change_anywhere_is_rejected() -> None:
    body = event_body()
    headers = sign_webhook(body, SECRET, msg_id="msg_2Kx9", timestamp=NOW)
    verify_webhook(body, headers, SECRET, now=NOW)
    tried = 0
    for position in range(len(body)):
        changed = bytearray(body)
        changed[position] ^= 0x01
        with pytest.raises(WebhookVerificationError, match="No signature matches"):
            verify_webhook(bytes(changed), headers, SECRET, now=NOW)
        with pytest.raises(WebhookVerificationError, match="No signature matches"):
            verify_webhook_signature(bytes(changed), headers, SECRET, now=NOW)
        tried += 1
    for position in range(len(headers["svix-id"])):
        msg_id = bytearray(headers["svix-id"].encode())
        msg_id[position] ^= 0x01
        with pytest.raises(WebhookVerificationError, match="No signature matches"):
            verify_webhook(body, {**headers, "svix-id": msg_id.decode()}, SECRET, now=NOW)
        tried += 1
    for delta in (-1, 1, 10):
        with pytest.raises(WebhookVerificationError, match="No signature matches"):
            verify_webhook(body, {**headers, "svix-timestamp": str(NOW + delta)}, SECRET, now=NOW)
        tried += 1
    assert tried == len(body) + len(headers["svix-id"]) + 3


def test_headers_are_read_case_insensitively_from_any_mapping() -> None:
    body = event_body()
    headers = sign_webhook(body, SECRET, timestamp=NOW)
    shouted = {name.upper(): value for name, value in headers.items()}
    spellings = [
        shouted,
        httpx.Headers(headers),
        list(headers.items()),
        {k.encode(): v.encode() for k, v in headers.items()},
    ]
    for spelled in spellings:
        event = verify_webhook(body, spelled, SECRET, now=NOW)
        assert event.message_id == headers["svix-id"]
        assert event.type == "resource.ready_with_update"


def test_unknown_event_and_resource_types_parse_and_extra_fields_are_kept() -> None:
    body = event_body(
        type="billing.invoice_paid",
        data={
            "account_id": str(uuid.uuid4()),
            "resource_id": str(uuid.uuid4()),
            "resource_type": "galaxies",
            "shard": 3,
        },
        delivery_attempt=2,
    )
    event = verify_webhook(body, sign_webhook(body, SECRET, timestamp=NOW), SECRET, now=NOW)
    assert event.type == "billing.invoice_paid"
    assert event.type_ == event.type
    assert type(event) is fw.WebhookEvent  # a type this release does not type: data as sent
    assert event.data["resource_type"] == "galaxies"
    assert event.data["shard"] == 3
    assert event.to_dict()["delivery_attempt"] == 2
    assert event.timestamp == datetime.datetime(2024, 9, 26, 14, 27, 5, 944507, tzinfo=datetime.UTC)


def test_sign_webhook_defaults_to_now_and_a_fresh_message_id() -> None:
    first, second = sign_webhook(b"{}", SECRET), sign_webhook(b"{}", SECRET)
    assert first["svix-id"] != second["svix-id"]
    assert first["svix-id"].startswith("msg_")
    assert abs(int(first["svix-timestamp"]) - time.time()) < 5


def test_unpadded_secrets_work_like_the_reference_library() -> None:
    raw = base64.b64encode(b"twenty-five bytes of key!").decode()
    unpadded = "whsec_" + raw.rstrip("=")
    assert raw != raw.rstrip("=")
    body = event_body()
    headers = their_headers(unpadded, "msg_u", NOW, body)
    verify_webhook(body, headers, unpadded, now=NOW)


# -- fuzz: nothing but WebhookVerificationError ----------------------------------

# Any code point, lone surrogates included: a caller may pass strings no HTTP stack produces.
any_text = st.text(st.characters(exclude_categories=()), max_size=80)
header_values = any_text | st.sampled_from(
    [GOOD["svix-signature"], str(NOW), "v1,", "v1, v1,x", "  ", "msg_\ud800", "v1,\udfff"]
)


@settings(max_examples=400, deadline=None)
@given(
    body=st.binary(max_size=200)
    | st.text(st.characters(exclude_categories=()), max_size=200)
    | st.just("{\ud800}"),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "svix-id",
                "svix-timestamp",
                "svix-signature",
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
                "x",
            ]
        ),
        header_values,
    ),
    secret=st.text(max_size=60) | st.just(SECRET),
)
def test_fuzzed_headers_bodies_and_secrets_raise_only_verification_errors(
    body: Any, headers: dict[str, str], secret: str
) -> None:
    with contextlib.suppress(WebhookVerificationError):
        verify_webhook(body, headers, secret, now=NOW)
    with contextlib.suppress(WebhookVerificationError):
        verify_webhook_signature(body, headers, secret, now=NOW)


# -- the message id that was signed -------------------------------------------------------


def test_verification_hands_back_the_message_id_it_verified() -> None:
    body = event_body()
    headers = sign_webhook(body, SECRET, msg_id="msg_signed", timestamp=NOW)
    assert verify_webhook_signature(body, headers, SECRET, now=NOW) == "msg_signed"
    assert verify_webhook(body, headers, SECRET, now=NOW).message_id == "msg_signed"
    # Under the other header family, the id is the one that family carried and was signed.
    assert verify_webhook(body, as_webhook_family(headers), SECRET, now=NOW).message_id == (
        "msg_signed"
    )


def test_a_replay_under_webhook_headers_with_a_fresh_svix_id_is_still_a_duplicate() -> None:
    body = event_body()
    headers = sign_webhook(body, SECRET)
    replay = {**as_webhook_family(headers), "svix-id": "msg_fresh_and_unsigned"}
    with WebhookReceiver(secret=SECRET) as receiver, httpx.Client() as http:
        answers = [http.post(receiver.url, content=body, headers=h) for h in (headers, replay)]
        first, second = receiver.wait_for(2)
    assert [answer.status_code for answer in answers] == [204, 204]
    assert first.message_id == second.message_id == headers["svix-id"]
    assert (first.duplicate, second.duplicate) == (False, True)


@pytest.mark.parametrize("tolerance", [float("nan"), float("inf"), "300", -1])
def test_a_tolerance_set_after_construction_is_checked(tolerance: Any) -> None:
    verifier = fw.WebhookVerifier(SECRET)
    with pytest.raises(fw.InvalidRequestError, match="tolerance"):
        verifier.tolerance = tolerance
    body = event_body()
    old = sign_webhook(body, SECRET, timestamp=NOW - 10 * 365 * 86400)
    with pytest.raises(WebhookVerificationError) as caught:
        verifier.verify(body, old, now=NOW)
    assert caught.value.reason == "timestamp_too_old"


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2024-09-26t14:27:05z", datetime.datetime(2024, 9, 26, 14, 27, 5, tzinfo=datetime.UTC)),
        ("2016-12-31T23:59:60Z", datetime.datetime(2016, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)),
    ],
)
def test_rfc_3339_timestamps_in_any_case_and_leap_seconds_verify(
    timestamp: str, expected: datetime.datetime
) -> None:
    body = event_body(timestamp=timestamp)
    event = verify_webhook(body, sign_webhook(body, SECRET, timestamp=NOW), SECRET, now=NOW)
    assert isinstance(event, fw.ResourceEvent)
    assert event.timestamp == expected


def test_a_number_longer_than_pythons_int_limit_still_verifies() -> None:
    digits = "9" * 4000 + "0" * 1000
    body = event_body(type="something.new", data={"count": 0}).replace(
        b'"count": 0', b'"count": ' + digits.encode()
    )
    event = verify_webhook(body, sign_webhook(body, SECRET, timestamp=NOW), SECRET, now=NOW)
    assert str(event.data["count"]) == digits


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), -1])
def test_the_receiver_refuses_a_wait_it_could_not_keep(timeout: float) -> None:
    with (
        WebhookReceiver(secret=SECRET) as receiver,
        pytest.raises(fw.InvalidRequestError, match="timeout"),
    ):
        receiver.wait_for(1, timeout=timeout)


# -- secrets, read as the peers read them ------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [SECRET, SECRET.removeprefix("whsec_"), SECRET + "\n", f"  {SECRET}\t", SECRET.rstrip("=")],
)
def test_a_secret_is_read_with_or_without_its_prefix_and_surrounding_whitespace(
    spelling: str,
) -> None:
    body = event_body()
    headers = sign_webhook(body, spelling, timestamp=NOW)
    assert verify_webhook(body, headers, SECRET, now=NOW).type == "resource.ready_with_update"
    assert verify_webhook_signature(body, sign_webhook(body, SECRET, timestamp=NOW), spelling,
                                    now=NOW)  # fmt: skip
    # standardwebhooks reads the same spelling the same way (it verifies against now).
    fresh = as_webhook_family(sign_webhook(body, spelling))
    assert Webhook(spelling.strip()).verify(body, fresh)["type"] == "resource.ready_with_update"


# -- hostile input to verification (an adversarial review's findings) -----------------------

EVENT = "resource.ready_with_update"
MESSAGE = event_body()


@pytest.mark.parametrize("digits", [13, 309, 4301, 100_000])
def test_a_timestamp_of_any_length_is_a_verification_error(digits: int) -> None:
    headers = {"svix-id": "msg_1", "svix-timestamp": "9" * digits, "svix-signature": "v1,x"}
    for verify in (fw.verify_webhook, fw.verify_webhook_signature):
        with pytest.raises(fw.WebhookVerificationError) as caught:
            verify(MESSAGE, headers, SECRET)
        assert caught.value.reason == "invalid_timestamp"


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"payload": 5}, fw.InvalidRequestError),
        ({"payload": b"{}", "msg_id": 5}, fw.InvalidRequestError),
        ({"payload": b"{}", "msg_id": ""}, fw.InvalidRequestError),
        ({"payload": b"{}", "timestamp": "now"}, fw.InvalidRequestError),
        ({"payload": b"{}", "timestamp": 10**400}, fw.InvalidRequestError),
        ({"payload": b"{}", "timestamp": -1}, fw.InvalidRequestError),
        ({"payload": b"{}", "secret": 7}, fw.WebhookVerificationError),
        ({"payload": b"{}", "secret": "whsec_not*base64"}, fw.WebhookVerificationError),
    ],
)
def test_sign_webhook_refuses_wrong_arguments(arguments: dict[str, Any], error: type) -> None:
    options = {"secret": SECRET, **arguments}
    payload, secret = options.pop("payload"), options.pop("secret")
    with pytest.raises(error):
        fw.sign_webhook(payload, secret, **options)


@pytest.mark.parametrize(
    "options",
    [
        {"tolerance": float("nan")},
        {"tolerance": float("inf")},
        {"tolerance": None},
        {"tolerance": "300"},
        {"tolerance": -1},
        {"now": "x"},
        {"now": float("nan")},
    ],
)
def test_verify_refuses_arguments_that_would_accept_any_age(options: dict[str, Any]) -> None:
    old = fw.sign_webhook(MESSAGE, SECRET, timestamp=NOW - 23 * 365 * 86400)
    for verify in (fw.verify_webhook, fw.verify_webhook_signature):
        with pytest.raises(fw.InvalidRequestError) as caught:
            verify(MESSAGE, old, SECRET, **options)
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, fw.FaradayError)


def test_verify_takes_now_as_a_datetime() -> None:
    headers = fw.sign_webhook(MESSAGE, SECRET, timestamp=NOW)
    moment = datetime.datetime.fromtimestamp(NOW, datetime.UTC)
    assert fw.verify_webhook(MESSAGE, headers, SECRET, now=moment).type == EVENT
    naive = moment.replace(tzinfo=None)  # read as UTC
    assert fw.verify_webhook(MESSAGE, headers, SECRET, now=naive).type == EVENT
    with pytest.raises(fw.WebhookVerificationError, match="older"):
        fw.verify_webhook(MESSAGE, headers, SECRET, now=moment + datetime.timedelta(hours=1))


def test_a_replayed_delivery_is_acknowledged_and_recorded_as_a_duplicate() -> None:
    headers = fw.sign_webhook(MESSAGE, SECRET)
    with WebhookReceiver(secret=SECRET) as receiver, httpx.Client() as http:
        answers = [http.post(receiver.url, content=MESSAGE, headers=headers) for _ in range(2)]
        first, second = receiver.wait_for(2)
    assert [answer.status_code for answer in answers] == [204, 204]
    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.message_id == second.message_id == headers["svix-id"]


header_values = st.text(max_size=40) | st.sampled_from(["v1,", "v1,abc", " v1,a v2,b ", "9" * 400])


header_maps = st.dictionaries(
    st.sampled_from(
        ["svix-id", "svix-timestamp", "svix-signature", "webhook-id", "Webhook-Timestamp", "x"]
    )
    | st.text(max_size=10),
    header_values,
    max_size=6,
) | st.builds(lambda body: fw.sign_webhook(body, SECRET), st.binary(max_size=64))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=200) | st.just(MESSAGE),
    headers=header_maps,
    secret=st.text(max_size=50) | st.just(SECRET),
)
def test_any_input_gives_an_event_or_a_verification_error(
    body: bytes, headers: dict[str, str], secret: str
) -> None:
    for verify in (fw.verify_webhook, fw.verify_webhook_signature):
        try:
            result = verify(body, headers, secret)
        except fw.WebhookVerificationError:
            continue
        assert isinstance(result, str | fw.WebhookEvent)  # the verified id, or the event


def test_secret_is_not_in_a_verifier_repr() -> None:
    verifier = fw.WebhookVerifier(SECRET)
    assert SECRET.removeprefix("whsec_") not in repr(verifier)
    assert base64.b64decode(SECRET.removeprefix("whsec_")).hex() not in repr(verifier)


def test_an_id_of_exactly_1000_bytes_is_signed_verified_and_claimed() -> None:
    from faraday_webhooks.dedupe import Deduplicator, MemoryStore

    message_id = "é" * 500  # 1,000 bytes in UTF-8
    body = event_body()
    event = verify_webhook(body, sign_webhook(body, SECRET, msg_id=message_id), SECRET)
    assert event.message_id == message_id
    with Deduplicator(MemoryStore()).claim(message_id) as claim:
        assert claim.state == "first"
    with pytest.raises(fw.InvalidRequestError, match="1,000 bytes"):
        sign_webhook(body, SECRET, msg_id=message_id + "x")

"""The verifying receiver: what it answers, what it records, how it holds up."""

from __future__ import annotations

import socket

import faraday_webhooks as fw
import httpx
import pytest
from faraday_webhooks.testing import WebhookReceiver
from helpers import resource_message


@pytest.mark.parametrize("declared", [b"abc", b"99999999999"])
def test_the_receiver_answers_an_unreadable_body_with_400_and_records_nothing(
    declared: bytes,
) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with WebhookReceiver(secret=secret) as receiver:
        address = receiver.url.split("//", 1)[1].split("/", 1)[0]
        host, port = address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(
                b"POST / HTTP/1.1\r\nHost: receiver\r\nContent-Length: " + declared + b"\r\n\r\n"
            )
            answer = connection.makefile("rb").readline()
        # A good delivery afterwards is still received: the server survived.
        body = resource_message()
        good = httpx.post(receiver.url, content=body, headers=fw.sign_webhook(body, secret))
        deliveries = receiver.wait_for(1)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert good.status_code == 204
    assert [delivery.verified for delivery in deliveries] == [True]

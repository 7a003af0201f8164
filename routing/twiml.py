"""TwiML, the XML Twilio reads to know what to do with a call: small pure builders.

https://www.twilio.com/docs/voice/twiml — a `<Response>` of verbs run in order: `<Say>` reads
words, `<Play>` plays a recording, `<Dial>` connects another phone (each `<Number>` may run a
whisper for the person answering before connecting), `<Gather>` waits for a key, `<Record>`
takes a voicemail, `<Hangup>` ends the call.
"""

from xml.etree import ElementTree as ET

VOICEMAIL_SECONDS = 120


class Response:
    """A TwiML document being built; `str()` gives the XML Twilio reads."""

    def __init__(self) -> None:
        self.root = ET.Element("Response")

    def __str__(self) -> str:
        return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(self.root, encoding="unicode")

    def say(self, text: str, parent: ET.Element | None = None) -> "Response":
        ET.SubElement(self.root if parent is None else parent, "Say").text = text
        return self

    def greet(self, greeting: str) -> "Response":
        """A greeting typed in the admin: an https:// recording is played, words are read."""
        if greeting.lower().startswith("https://"):
            ET.SubElement(self.root, "Play").text = greeting
            return self
        return self.say(greeting)

    def dial(
        self,
        number: str,
        *,
        caller_id: str,
        timeout: int,
        action: str,
        whisper: str = "",
    ) -> "Response":
        dial = ET.SubElement(
            self.root,
            "Dial",
            callerId=caller_id,
            timeout=str(timeout),
            action=action,
            method="POST",
        )
        attributes = {"url": whisper, "method": "POST"} if whisper else {}
        ET.SubElement(dial, "Number", attributes).text = number
        return self

    def gather(self, prompt: str, *, action: str, timeout: int = 8) -> "Response":
        gather = ET.SubElement(
            self.root, "Gather", numDigits="1", timeout=str(timeout), action=action, method="POST"
        )
        return self.say(prompt, parent=gather)

    def record(self, *, action: str, status_callback: str) -> "Response":
        ET.SubElement(
            self.root,
            "Record",
            action=action,
            method="POST",
            maxLength=str(VOICEMAIL_SECONDS),
            playBeep="true",
            recordingStatusCallback=status_callback,
            recordingStatusCallbackMethod="POST",
        )
        return self

    def hangup(self) -> "Response":
        ET.SubElement(self.root, "Hangup")
        return self

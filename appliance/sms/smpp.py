"""One SMPP 3.4 transceiver bind per provider, held by the daemon: sends queued rows, reads receipts and MOs.

smpplib gives the PDUs and a blocking socket, nothing else (no reconnect, no window, no thread
safety: notes/api-webhooks-sms.md 6), so one thread owns each session: it binds, then loops —
read what the SMSC sent (short socket timeout), submit due rows from the database, send
enquire_link when idle — and on any error closes, waits (1 s doubling to 60 s) and binds again.
Rows left "sending" by a stop are queued again when a session starts: a restart loses nothing.
"""
import logging
import select
import socket
import threading
import time

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from appliance.models.sms import SmsProvider
from appliance.services import sms, sms_delivery
from appliance.sms import codec

log = logging.getLogger(__name__)
#: Seconds of silence before an enquire_link, and the longest wait between binds.
ENQUIRE_SECONDS = 30
MAX_BACKOFF = 60
#: Submits waiting for their submit_sm_resp at once (the SMSC's window; Sinch allows 10).
WINDOW = 10
#: SMSC answers that mean "later", not "never" (throttled, queue full, system error).
RETRYABLE = {0x58, 0x14, 0x08}
_TON_INTERNATIONAL, _NPI_ISDN = 1, 1


def _address(number):
    """Return SMPP (ton, npi, addr) for a stored number: E.164 goes international without its "+"."""
    if number.startswith("+"):
        return _TON_INTERNATIONAL, _NPI_ISDN, number[1:]
    return 0, 0, number


class SmppSession(threading.Thread):
    """The daemon's bind to one SMPP provider; ``stop()`` unbinds and ends it."""

    def __init__(self, provider_id, poll_seconds=0.2):
        super().__init__(name=f"smpp-{provider_id}", daemon=True)
        self.provider_id = provider_id
        self.poll_seconds = poll_seconds
        self.bound = threading.Event()
        self._stopping = threading.Event()
        self._client = None
        self._in_flight = {}  # sequence -> SmsPart id
        self._early = {}  # normalised SMSC id -> (status, error): a receipt that beat its submit_sm_resp
        self._last_io = 0.0

    def stop(self, timeout=5):
        """Unbind, close and wait for the thread to end."""
        self._stopping.set()
        self.join(timeout)

    # -- the loop ----------------------------------------------------------------------------------------

    def run(self):
        """Bind, work, and bind again after any failure, until stopped."""
        backoff = 1
        while not self._stopping.is_set():
            try:
                self._bind()
                backoff = 1
                self._work()
            except (OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError) as exc:
                log.warning("SMPP provider %s: %s", self.provider_id, exc)
            except Exception:  # noqa: BLE001 - the session must outlive one bad PDU or row
                log.exception("SMPP provider %s failed", self.provider_id)
            finally:
                self._close()
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _bind(self):
        provider = SmsProvider.get_by_id(self.provider_id)
        client = smpplib.client.Client(provider.host, provider.port, timeout=5, allow_unknown_opt_params=True,
                                       logger_name=f"centralina.smpp.{self.provider_id}")
        client.set_message_sent_handler(self._on_submit_resp)
        client.set_message_received_handler(self._on_deliver)
        client.set_error_pdu_handler(self._on_error_pdu)
        self._client = client
        client.connect()
        client.bind_transceiver(system_id=provider.system_id, password=provider.password,
                                system_type=provider.system_type or None)
        self._in_flight.clear()
        sms_delivery.requeue_unfinished("smpp", self.provider_id)
        self._last_io = time.monotonic()
        self.bound.set()
        log.info("SMPP provider %s bound", self.provider_id)

    def _close(self):
        self.bound.clear()
        client, self._client = self._client, None
        if client is None or client._socket is None:
            return
        try:
            if client.state in (smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX,) and self._stopping.is_set():
                client.unbind()
        except (OSError, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError):
            pass
        client.disconnect()

    def _work(self):
        client = self._client
        while not self._stopping.is_set():
            readable, _, _ = select.select([client._socket], [], [], self.poll_seconds)
            if readable:
                client.read_once(auto_send_enquire_link=False)
                self._last_io = time.monotonic()
            self._submit_due()
            if time.monotonic() - self._last_io > ENQUIRE_SECONDS:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                self._last_io = time.monotonic()

    # -- sending -----------------------------------------------------------------------------------------

    def _submit_due(self):
        room = WINDOW - len(self._in_flight)
        if room <= 0:
            return
        for message in sms_delivery.due("smpp", self.provider_id, limit=room):
            self._submit(message)

    def _submit(self, message):
        encoded = codec.encode(message.body)
        source_ton, source_npi, source = _address(message.own_number)
        dest_ton, dest_npi, dest = _address(message.peer)
        sms_delivery.mark_sending(message.id)
        for seq, octets in enumerate(encoded.parts, start=1):
            part = sms_delivery.part_submitted(message.id, seq)
            pdu = self._client.send_message(
                source_addr_ton=source_ton, source_addr_npi=source_npi, source_addr=source,
                dest_addr_ton=dest_ton, dest_addr_npi=dest_npi, destination_addr=dest,
                short_message=octets, data_coding=encoded.data_coding, esm_class=encoded.esm_class,
                registered_delivery=1)
            self._in_flight[pdu.sequence] = part.id
        self._last_io = time.monotonic()

    def _on_submit_resp(self, pdu, **_):
        part_id = self._in_flight.pop(pdu.sequence, None)
        if part_id is None:
            return
        message_id = pdu.message_id.decode() if isinstance(pdu.message_id, bytes) else pdu.message_id
        sms_delivery.part_accepted(part_id, message_id)
        for form in codec.id_forms(message_id):
            early = self._early.pop(form, None)
            if early is not None:
                sms_delivery.apply_receipt(self.provider_id, message_id, *early)

    def _on_error_pdu(self, pdu):
        part_id = self._in_flight.pop(pdu.sequence, None)
        if part_id is not None:
            reason = smpplib.consts.DESCRIPTIONS.get(pdu.status, f"SMPP error {pdu.status:#x}")
            sms_delivery.part_refused(part_id, reason, retry=pdu.status in RETRYABLE)

    # -- receiving ---------------------------------------------------------------------------------------

    def _on_deliver(self, pdu, **_):
        if pdu.command != "deliver_sm":
            return None
        esm_class = pdu.esm_class or 0
        if esm_class & 0x3C == codec.ESM_RECEIPT:
            receipt = codec.read_receipt(pdu.short_message, pdu.receipted_message_id, pdu.message_state)
            if receipt is not None and sms_delivery.apply_receipt(self.provider_id, receipt.message_id, receipt.status,
                                                         receipt.error) is None:
                self._early[codec.normal_id(receipt.message_id)] = (receipt.status, receipt.error)
            return smpplib.consts.SMPP_ESME_ROK
        segment = codec.read_segment(pdu.short_message, esm_class, pdu.data_coding or 0)
        source = pdu.source_addr.decode() if isinstance(pdu.source_addr, bytes) else pdu.source_addr
        destination = (pdu.destination_addr.decode() if isinstance(pdu.destination_addr, bytes)
                       else pdu.destination_addr)
        sms.receive(self.provider_id, source or "", destination or "", segment)
        return smpplib.consts.SMPP_ESME_ROK


def reachable(host, port, timeout=3):
    """Tell whether a TCP connection to ``host:port`` opens (the provider page's check)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False

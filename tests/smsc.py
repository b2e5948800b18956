"""A small SMPP 3.4 SMSC on loopback for the tests, built on smpplib's PDU classes.

It speaks real SMPP over TCP: answers bind_transceiver, enquire_link and unbind; records every
submit_sm (data_coding, esm_class, octets) and answers it with a message id; sends a delivery
receipt (deliver_sm, esm_class 0x04, receipted_message_id and message_state TLVs plus the
appendix-B text) for each part when ``receipts`` is on; and pushes mobile-originated
deliver_sm (one part, or several with a UDH) on request.
"""
import socket
import struct
import threading
from dataclasses import dataclass

from smpplib import consts, smpp


class _Sequence:
    def __init__(self):
        self.sequence = 0

    def next_sequence(self):
        self.sequence += 1
        return self.sequence


@dataclass
class Submitted:
    """One submit_sm as the SMSC read it."""

    message_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes


class LoopbackSmsc:
    """Listen on 127.0.0.1:<free port>; one ESME connection at a time; ``close()`` stops it."""

    def __init__(self, system_id="centralina", password="secret", receipts=True, receipt_state="DELIVRD",
                 receipt_ids_decimal=False):
        self.system_id, self.password = system_id, password
        #: Answer ids in hex but name them in decimal in receipts, as some SMSCs do.
        self.receipt_ids_decimal = receipt_ids_decimal
        self.receipts, self.receipt_state = receipts, receipt_state
        self.submitted = []
        self.binds = 0
        self._sequence = _Sequence()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._server.settimeout(0.1)  # accept() wakes to see close()
        self._conn = None
        self._lock = threading.Lock()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        """Stop listening and drop the connection."""
        self._closing = True
        self.drop()
        self._server.close()
        self._thread.join(5)

    def drop(self):
        """Close the current ESME connection (the client must bind again)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    # -- the wire ----------------------------------------------------------------------------------------

    def _send(self, pdu):
        with self._lock:
            if self._conn is not None:
                self._conn.sendall(pdu.generate())

    def _read(self, conn):
        header = self._exact(conn, 4)
        if header is None:
            return None
        (length,) = struct.unpack(">L", header)
        rest = self._exact(conn, length - 4)
        return None if rest is None else smpp.parse_pdu(header + rest, client=self._sequence,
                                                        allow_unknown_opt_params=True)

    @staticmethod
    def _exact(conn, size):
        data = b""
        while len(data) < size:
            try:
                chunk = conn.recv(size - len(data))
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def _serve(self):
        while not self._closing:
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            self._conn = conn
            while True:
                pdu = self._read(conn)
                if pdu is None:
                    break
                self._handle(pdu)
            if self._conn is conn:
                self._conn = None
            conn.close()

    def _respond(self, name, request, **fields):
        response = smpp.make_pdu(name, client=self._sequence, **fields)
        response.sequence = request.sequence  # make_pdu ignores a sequence keyword once the client has one
        self._send(response)

    def _handle(self, pdu):
        if pdu.command == "bind_transceiver":
            ok = pdu.system_id in (self.system_id, self.system_id.encode()) and \
                pdu.password in (self.password, self.password.encode())
            self.binds += ok
            self._respond("bind_transceiver_resp", pdu, system_id="testsmsc",
                          status=consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD)
        elif pdu.command == "enquire_link":
            self._respond("enquire_link_resp", pdu)
        elif pdu.command == "unbind":
            self._respond("unbind_resp", pdu)
        elif pdu.command == "submit_sm":
            message_id = f"{len(self.submitted) + 1:08X}"
            self.submitted.append(Submitted(message_id, pdu.source_addr.decode(), pdu.destination_addr.decode(),
                                            pdu.data_coding, pdu.esm_class, pdu.registered_delivery,
                                            pdu.short_message))
            self._respond("submit_sm_resp", pdu, message_id=message_id)
            if self.receipts and pdu.registered_delivery:
                receipt_id = str(int(message_id, 16)) if self.receipt_ids_decimal else message_id
                self.send_receipt(receipt_id, pdu.destination_addr.decode(), pdu.source_addr.decode(),
                                  self.receipt_state)

    # -- what the tests push -------------------------------------------------------------------------------

    def send_receipt(self, message_id, source, destination, state="DELIVRD"):
        """Send a delivery receipt for ``message_id`` (SMPP 3.4 appendix B text and TLVs)."""
        states = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}
        error = "000" if state == "DELIVRD" else "001"
        text = (f"id:{message_id} sub:001 dlvrd:{'001' if state == 'DELIVRD' else '000'} "
                f"submit date:2612061200 done date:2612061201 stat:{state} err:{error} text:").encode()
        self._send(smpp.make_pdu("deliver_sm", client=self._sequence, source_addr_ton=1, source_addr_npi=1,
                                 source_addr=source, dest_addr_ton=1, dest_addr_npi=1, destination_addr=destination,
                                 esm_class=0x04, data_coding=0, short_message=text,
                                 receipted_message_id=message_id, message_state=states.get(state, 5)))

    def send_mo(self, source, destination, parts, data_coding=0x08, esm_class=0):
        """Send mobile-originated deliver_sm PDUs, one per octet string in ``parts``."""
        for octets in parts:
            self._send(smpp.make_pdu("deliver_sm", client=self._sequence, source_addr_ton=1, source_addr_npi=1,
                                     source_addr=source, dest_addr_ton=1, dest_addr_npi=1,
                                     destination_addr=destination, esm_class=esm_class, data_coding=data_coding,
                                     short_message=octets))

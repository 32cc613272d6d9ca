"""A real SMTP server for the tests (PyPI's aiosmtpd): every message it accepts is written to
DIR as NNNN.eml, its envelope recipients first as an `X-Envelope-To:` line. With --user and
--password it requires AUTH (LOGIN or PLAIN, without TLS: loopback only). Prints the port it
listens on, then runs until killed."""

import argparse
import asyncio
import os
import socket
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Save:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        final = os.path.join(self.directory, f"{self.count:04}.eml")
        with open(final + ".part", "wb") as out:
            out.write(("X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode())
            out.write(envelope.original_content or envelope.content)
        os.rename(final + ".part", final)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    def authenticate(server, session, envelope, mechanism, data):
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == args.user
            and data.password.decode() == args.password
        )
        # handled=False: aiosmtpd itself answers a failure (535).
        return AuthResult(success=ok, handled=False)

    options = {}
    # Loopback only, on purpose: the tests check AUTH, not TLS.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    if args.user:
        options = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    controller = Controller(Save(args.dir), hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    print(controller.port, flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

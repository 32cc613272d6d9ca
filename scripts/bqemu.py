"""Starts PyPI's bqemulator without network access.

At start-up bqemulator asks DuckDB to INSTALL its spatial and Avro extensions, which downloads
them; offline that fails and the process exits. Here the two loaders only LOAD what is already
present and carry on without it (GEOGRAPHY and Avro are not used by Instalytics).
Arguments are bqemulator's own, e.g. `start --rest-port 9050`.
"""
import sys

from bqemulator.storage import engine


def _load_if_present(self, extension):
    try:
        self._connection.execute(f"LOAD {extension}")
    except Exception:  # noqa: BLE001 - a missing extension is expected offline
        print(f"bqemu: DuckDB extension {extension} not present, continuing", file=sys.stderr)


engine.DuckDBEngine._load_spatial = lambda self: _load_if_present(self, "spatial")
engine.DuckDBEngine._load_format_extensions = lambda self: _load_if_present(self, "avro")

from bqemulator.cli import main  # noqa: E402 - after the patch above

sys.exit(main())

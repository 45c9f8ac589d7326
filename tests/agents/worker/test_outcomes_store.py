"""The seller reputation table is kept in RocksDB, not in the app's memory:// store."""

from __future__ import annotations

from pathlib import Path

import faust
from faust.stores.rocksdb import Store as RocksDBStore

from agents.worker.outcomes import register_outcome_agents
from pipeline.sellers.state import SellerState
from pipeline.settings import Settings


async def _known() -> None:
    return None


def test_the_reputation_table_is_stored_in_rocksdb(tmp_path: Path):
    app = faust.App("store-check", broker="kafka://127.0.0.1:9", store="memory://", datadir=str(tmp_path),
                    autodiscover=False)
    sellers = SellerState()
    sellers.track_strikes()
    table = register_outcome_agents(app, Settings.load(env={}), sellers, _known)
    store = table.data
    assert isinstance(store, RocksDBStore)
    assert store.partition_path(0).name == "seller_reputation-0.db"
    assert store.partition_path(0).parent == Path(app.conf.tabledir)

"""How many outcomes a second the feedback worker's judgement takes, by the size of the seller's network. No Kafka.

Every enforcement outcome is folded into its seller's reputation record and
the seller and its whole network are judged against the repeat-infringer
policy (:func:`pipeline.sellers.feedback.apply_seller_outcome`), reading every
linked account's recent strikes. The judgement's cost grows with the network:
the generator's counterfeit sellers share contact points and images until
they are one network of about 2100 accounts with thousands of strikes, and
nearly every outcome is one of theirs. This times one seller alone and networks
of growing size, each account holding ``--strikes`` recent strikes spread over
the policy's window, as the feedback worker holds them after a warm-up: through
the reference judgement alone, and as the worker applies them (the finding
judged, and built when new, on the network's column of strike times:
:mod:`pipeline.sellers.finding`), one after the other on the same outcomes.
Both must publish the same recommendations.

    python -m benchmarks.repeat_infringer --json reports/repeat_infringer.json [--sizes 1,100,2100] [--outcomes 1000]
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from benchmarks.common import benchmark_parser, write_report
from pipeline.sellers.feedback import apply_seller_outcome, strike_outcomes
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy
from pipeline.sellers.reputation import Outcome
from pipeline.sellers.strike_index import FollowedStrikes, StrikeTimes
from pipeline.timestamps import format_timestamp

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
POLICY = RepeatInfringerPolicy()


def _network(size: int, strikes: int, rng: random.Random) -> tuple[SellerNetworks, dict[str, dict[str, Any]],
                                                                    FollowedStrikes]:
    """``size`` accounts in one network, each sharing a contact point with the next (a point shared
    by too many accounts links none, so a ring is a chain of shared points, as the generator's is),
    each with ``strikes`` confirmed takedowns in the window: their records (the table) and their
    strikes (what the worker follows)."""
    networks = SellerNetworks()
    records: dict[str, dict[str, Any]] = {}
    followed = FollowedStrikes()  # as a worker follows sellers.reputation: with a journal of changes
    sellers = [f"ring-{n:05d}" for n in range(size)]
    networks.link_batch(sellers, [[f"point-{n}", f"point-{n + 1}"] for n in range(size)])
    for seller in sellers:
        value = None
        for k in range(strikes):
            moment = NOW - timedelta(days=rng.uniform(0, POLICY.window_days), seconds=k)
            record = OutcomeRecord(f"{seller}-old-{k}", seller, Outcome.CONFIRMED, format_timestamp(moment, "seconds"),
                                   f"{seller}-old-o{k}")
            value = apply_seller_outcome(value, record, {}, SellerNetworks(), NOW, POLICY, "bench").value
        if value is not None:
            records[seller] = value
            followed[seller] = strike_outcomes(seller, value["strikes"])
            networks.record_confirmed(seller, int(value["confirmed"]))
    return networks, records, followed


def time_network(size: int, strikes: int, outcomes: int, seed: int, by_strike_times: bool = True) -> dict[str, Any]:
    """Outcomes a second through one network, the way the feedback worker applies them
    (``by_strike_times``) or through the reference judgement alone."""
    rng = random.Random(seed)
    networks, records, followed = _network(size, strikes, rng)
    times = StrikeTimes() if by_strike_times else None
    sellers = sorted(records) or ["ring-00000"]
    published = 0
    digest = hashlib.sha256()  # of every recommendation, so the two paths' outputs can be compared
    began = time.perf_counter()
    # Outcomes fall on a ring's accounts as unevenly as on the generator's (its busiest account
    # had 1171 of the ring's 3945 takedowns in a soak): the n-th account weighs 1/n.
    chosen = rng.choices(sellers, weights=[1 / (n + 1) for n in range(len(sellers))], k=outcomes)
    for n, seller in enumerate(chosen):
        record = OutcomeRecord(f"{seller}-new-{n}", seller, Outcome.CONFIRMED, format_timestamp(NOW, "seconds"),
                               f"{seller}-new-o{n}")
        applied = apply_seller_outcome(records.get(seller), record, followed, networks, NOW, POLICY, "bench", times)
        if applied.value is not None:  # as the worker's table and its follower of sellers.reputation see it
            records[seller] = applied.value
            followed[seller] = strike_outcomes(seller, applied.value["strikes"])
        if applied.recommendation is not None:
            published += 1
            digest.update(orjson.dumps(applied.recommendation, option=orjson.OPT_SORT_KEYS))
    elapsed = time.perf_counter() - began
    return {"judged_by": "strike times" if by_strike_times else "reference", "network_size": size, "strikes_per_account": strikes, "outcomes": outcomes,
            "outcomes_per_s": round(outcomes / elapsed, 1), "us_per_outcome": round(elapsed / outcomes * 1e6, 1),
            "recommendations": published, "recommendations_sha256": digest.hexdigest()}


def main(argv: list[str] | None = None) -> int:
    parser = benchmark_parser(__doc__, seed=23)
    parser.add_argument("--sizes", default="1,100,2100", help="network sizes, comma-separated (default 1,100,2100)")
    parser.add_argument("--strikes", type=int, default=2, help="recent strikes of every account (default 2)")
    parser.add_argument("--outcomes", type=int, default=1000, help="outcomes applied per network (default 1000)")
    args = parser.parse_args(argv)
    runs = [time_network(int(size), args.strikes, args.outcomes, args.seed, fast)
            for size in args.sizes.split(",") for fast in (False, True)]
    rows = [(f"network of {run['network_size']}, {run['judged_by']}",
             f"{run['outcomes_per_s']}/s, {run['us_per_outcome']} us per outcome, {run['recommendations']} recommendations")
            for run in runs]
    same = all(reference["recommendations_sha256"] == fast["recommendations_sha256"]
               for reference, fast in zip(runs[::2], runs[1::2]))
    rows.append(("same recommendations", str(same)))
    write_report({"strikes_per_account": args.strikes, "runs": runs, "same_recommendations": same}, args.json, rows)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

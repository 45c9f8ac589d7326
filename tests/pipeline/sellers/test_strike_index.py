"""A network's column of strike times follows its accounts' strikes, reading only what changed."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.reputation import Outcome
from pipeline.sellers.strike_index import REBUILT_FROM, AccountTimes, FollowedStrikes, StrikeTimes, merged, without
from pipeline.timestamps import format_timestamp, from_epoch_seconds


def strikes_of(seller: str, rng: random.Random, count: int, tag: str) -> tuple[OutcomeRecord, ...]:
    return tuple(OutcomeRecord(f"{seller}-{tag}-{k}", seller, Outcome.CONFIRMED,
                               format_timestamp(from_epoch_seconds(1.7e9 + rng.randrange(50) * 3600)),
                               f"{seller}-{tag}-o{k}") for k in range(count))


class Counting(StrikeTimes):
    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.read: list[str] = []

    def of(self, seller_id: str, strikes: Sequence[OutcomeRecord]) -> AccountTimes:
        self.read.append(seller_id)
        return super().of(seller_id, strikes)


@pytest.mark.parametrize("changed_at_once", [1, 3, REBUILT_FROM, 40])
def test_the_column_is_every_followed_strike_sorted(changed_at_once: int):
    rng = random.Random(changed_at_once)
    members = tuple(f"s{n}" for n in range(60))
    linked = {m: strikes_of(m, rng, rng.randrange(4), "a") for m in members if rng.random() < 0.8}
    times = Counting()
    for round_ in range(30):
        index = times.network(members, linked)
        assert index.column.tolist() == sorted(t for m in linked for t in AccountTimes(m, linked[m]).micros.tolist())
        assert index.listings == sorted(r.listing_id for m in linked for r in linked[m])
        times.read.clear()
        touched = rng.sample(members, changed_at_once)
        for member in touched:
            if rng.random() < 0.2:
                linked.pop(member, None)
            else:
                linked[member] = strikes_of(member, rng, rng.randrange(5), f"r{round_}")
        times.network(members, linked)
        assert sorted(times.read) == sorted(m for m in touched if linked.get(m))  # nothing else is read again


def test_repeated_outcome_ids_and_unsure_parts_are_counted_as_they_come_and_go():
    rng = random.Random(1)
    members = ("a", "b", "c")
    linked = {m: strikes_of(m, rng, 2, "x") for m in members}
    times = StrikeTimes()
    own = AccountTimes("a", (*linked["a"], *strikes_of("a", rng, 1, "new")))
    assert times.network(members, linked).with_own("a", own) is not None
    linked["b"] = (linked["b"][0]._replace(outcome_id=linked["c"][0].outcome_id), linked["b"][1])
    assert times.network(members, linked).with_own("a", own) is None  # one id under b and c
    assert times.network(members, linked).with_own("b", AccountTimes("b", strikes_of("b", rng, 2, "y"))) is not None
    linked["b"] = strikes_of("b", rng, 2, "z")
    assert times.network(members, linked).with_own("a", own) is not None
    linked["c"] = (linked["c"][0]._replace(decided_at="2026-11-20T02:00:00+02:00"),)
    assert times.network(members, linked).with_own("a", own) is None
    assert times.network(members, linked).with_own("c", AccountTimes("c", strikes_of("c", rng, 1, "w"))) is not None
    reused = AccountTimes("a", (*linked["a"], linked["b"][0]._replace(seller_id="a", listing_id="a-z")))
    assert times.network(members, linked).with_own("a", reused) is None  # its new strike reuses b's id


def test_with_own_replaces_the_sellers_followed_strikes():
    rng = random.Random(2)
    members = ("a", "b")
    linked = {m: strikes_of(m, rng, 3, "x") for m in members}
    own = AccountTimes("a", (*linked["a"][1:], *strikes_of("a", rng, 2, "new")))
    column = StrikeTimes().network(members, linked).with_own("a", own)
    assert column.tolist() == sorted([*own.micros.tolist(), *AccountTimes("b", linked["b"]).micros.tolist()])


def test_columns_of_networks_not_judged_lately_are_let_go():
    rng = random.Random(3)
    times = StrikeTimes(members_held=10)
    networks = [tuple(f"n{k}-{m}" for m in range(4)) for k in range(4)]
    linked = {m: strikes_of(m, rng, 1, "x") for members in networks for m in members}
    first = times.network(networks[0], linked)
    times.network(networks[1], linked)
    assert times.network(networks[0], linked) is first  # 8 accounts held
    times.network(networks[2], linked)  # 12 held: the least recently judged (networks[1]) goes
    assert times.network(networks[0], linked) is first
    assert times._held == 8 and len(times._networks) == 2


def test_an_edited_column_takes_out_one_copy_of_each_value():
    column = np.array([1, 2, 2, 2, 5, 7], dtype=np.int64)
    assert without(column, np.array([2, 2, 7])).tolist() == [1, 2, 5]
    assert merged(column, np.array([0, 2, 9])).tolist() == [0, 1, 2, 2, 2, 2, 5, 7, 9]
    assert without(column, np.empty(0, dtype=np.int64)) is column


@pytest.mark.parametrize("kept", [3, 100_000])
def test_with_a_journal_only_the_accounts_it_names_are_looked_at(kept: int):
    rng = random.Random(kept)
    members = tuple(f"s{n}" for n in range(40))
    linked = FollowedStrikes(kept=kept)
    for member in members[:30]:
        linked[member] = strikes_of(member, rng, 2, "a")
    times = Counting()
    index = times.network(members, linked)
    for round_ in range(20):
        touched = rng.sample(members, rng.randrange(1, 6))
        for member in touched:
            if rng.random() < 0.2:
                linked.pop(member, None)
            else:
                linked[member] = strikes_of(member, rng, rng.randrange(1, 4), f"r{round_}")
        linked["elsewhere"] = strikes_of("elsewhere", rng, 1, f"r{round_}")  # not a member: changes nothing here
        times.read.clear()
        assert times.network(members, linked) is index
        assert index.column.tolist() == sorted(t for m in members if m in linked
                                               for t in AccountTimes(m, linked[m]).micros.tolist())
        assert sorted(times.read) == sorted(m for m in set(touched) if m in linked)


def test_a_journal_refuses_changes_it_would_not_see():
    linked = FollowedStrikes()
    linked["a"] = ()
    for change in (lambda: linked.update(b=()), linked.clear, lambda: linked.setdefault("c", ()), linked.popitem):
        with pytest.raises(TypeError):
            change()
    before = linked.version
    del linked["a"]
    assert linked.changed_since(before) == ["a"] and linked.changed_since(-1) is None


def test_a_change_past_the_journal_is_not_looked_for():  # what shows the journal is what is read
    rng = random.Random(4)
    members = ("a", "b")
    linked = FollowedStrikes()
    linked["a"], linked["b"] = strikes_of("a", rng, 1, "x"), strikes_of("b", rng, 1, "x")
    times = StrikeTimes()
    before = times.network(members, linked).column.tolist()
    dict.__setitem__(linked, "b", strikes_of("b", rng, 3, "y"))
    assert times.network(members, linked).column.tolist() == before
    assert StrikeTimes().network(members, linked).column.size == 4  # a new index reads everything


@pytest.mark.parametrize("seed", range(6))
def test_outcome_ids_counted_twice_are_found_as_by_counting_them_all(seed: int):
    """Ids drawn from a small pool, so they repeat within and across accounts: the counts kept as
    accounts change, and with_own's answer, equal counting every id of the network again."""
    rng = random.Random(seed)
    members = tuple(f"s{n}" for n in range(8))
    serial = iter(range(10**6))

    def strikes(seller: str) -> tuple[OutcomeRecord, ...]:
        return tuple(OutcomeRecord(f"{seller}-L{next(serial)}", seller, Outcome.CONFIRMED, "2026-11-20T00:00:00Z",
                                   f"o{rng.randrange(40)}") for _ in range(rng.randrange(5)))

    linked = {m: strikes(m) for m in members}
    times = StrikeTimes()
    for _ in range(60):
        linked[rng.choice(members)] = strikes(rng.choice(members))  # one account's next record
        linked = {m: tuple(r._replace(seller_id=m) for r in s) if s and s[0].seller_id != m else s
                  for m, s in linked.items()}
        index = times.network(members, linked)
        every = Counter(r.outcome_id for m in members for r in linked[m])
        assert +index.id_counts == +every and index.repeated == {i for i, n in every.items() if n > 1}
        seller = rng.choice(members)
        kept = linked[seller][rng.randrange(len(linked[seller]) + 1):]
        own = AccountTimes(seller, (*kept, *strikes(seller)))
        after = every - Counter(r.outcome_id for r in linked[seller]) + Counter(own.ids)
        assert (index.with_own(seller, own) is None) == any(n > 1 for n in after.values())


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("journal", [True, False])
def test_a_network_that_grows_or_merges_keeps_its_index_and_reads_only_its_new_accounts(seed: int, journal: bool):
    rng = random.Random(seed)
    followed: dict[str, tuple[OutcomeRecord, ...]] = FollowedStrikes() if journal else {}
    for n in range(200):
        if rng.random() < 0.7:
            followed[f"s{n}"] = strikes_of(f"s{n}", rng, rng.randrange(1, 4), "a")
    times = Counting()
    ring: tuple[str, ...] = ("s0", "s1")
    small: tuple[str, ...] = ("s150", "s151", "s152")
    times.network(small, followed)
    index = times.network(ring, followed)
    for step in range(40):
        times.read.clear()
        if step % 10 == 9:  # the small network joins the ring
            grown, joined = tuple(sorted({*ring, *small})), set(small)
        else:
            joined = {f"s{rng.randrange(2, 150)}"} - set(ring)
            grown = tuple(sorted({*ring, *joined}))
        changed = rng.choice(grown)
        followed[changed] = strikes_of(changed, rng, rng.randrange(1, 5), f"r{step}")
        grown_index = times.network(grown, followed)
        assert grown_index is index  # the ring's index, moved to its new members
        expected_read = {m for m in joined if m in followed and step % 10 != 9} | {changed}
        assert set(times.read) <= expected_read | set(small)  # nothing else is read again
        assert index.column.tolist() == sorted(t for m in grown if m in followed
                                               for t in AccountTimes(m, followed[m]).micros.tolist())
        assert index.listings == sorted(r.listing_id for m in grown if m in followed for r in followed[m])
        assert +index.id_counts == Counter(r.outcome_id for m in grown if m in followed for r in followed[m])
        ring = grown
        if step % 10 == 9:
            small = tuple(f"s{n}" for n in range(160 + step, 163 + step))
            times.network(small, followed)
    assert times._held == sum(len(i.members) for i in times._networks.values())

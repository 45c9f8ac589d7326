"""Strike times as integer microseconds, kept per account and per network between outcomes.

The feedback worker judges a seller's network after every outcome, and the
generator's counterfeit ring (like a real one) holds two thousand accounts and
four thousand strikes. Re-reading every account's strikes for each outcome cost
more than a millisecond even with each account's times cached; between two
outcomes of one network only one or two accounts' strikes change (the record
the worker wrote last comes back through ``sellers.reputation``). So a network
keeps all its accounts' strike times as one sorted column, and an outcome finds
the accounts whose strikes tuple is a new object, takes their old times out of
the column and puts the new ones in.

Each account's part also says whether a judgement on times is sure to agree
with the reference (:func:`pipeline.sellers.recommendations.recommend`): every
strike a confirmed takedown of that account, each listing struck once, every
time in UTC; and the network counts outcome ids, since the reference counts a
repeated id once.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import numpy as np

from pipeline.sellers.outcomes import OutcomeRecord
from pipeline.sellers.repeat_infringer import read_time
from pipeline.sellers.reputation import Outcome

__all__ = ["AccountTimes", "FollowedStrikes", "NetworkStrikes", "StrikeTimes", "differences", "from_micros",
           "to_micros"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
NO_TIMES = np.empty(0, dtype=np.int64)
MEMBERS_HELD = 20_000  # accounts of the networks whose columns are kept (least recently judged go first)
REBUILT_FROM = 16  # accounts changed at once from which a column is rebuilt rather than edited
JOURNAL_KEPT = 100_000  # changes a FollowedStrikes remembers (at least)


def to_micros(moment: datetime | timedelta) -> int:
    return (moment - EPOCH if isinstance(moment, datetime) else moment) // MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


@lru_cache(maxsize=1 << 16)
def _instant(text: str) -> tuple[int, bool]:
    """A strike time in microseconds, and whether it was given in UTC. Cached: an account's
    strikes are read again with each of its reputation records, and parsing them was a tenth of
    the feedback worker's judging."""
    moment = read_time(text)
    return (moment - EPOCH) // MICROSECOND, moment.utcoffset() == timedelta(0)


class FollowedStrikes(dict[str, tuple[OutcomeRecord, ...]]):
    """Each account's strikes as followed (seller id to its strikes), with a journal of the accounts
    whose strikes were set or removed, so a network's column is refreshed by looking up only those,
    not every member. Change it by item assignment, ``del`` and :meth:`pop` only."""

    def __init__(self, kept: int = JOURNAL_KEPT) -> None:
        super().__init__()
        self.kept = kept
        self._changed: list[str] = []
        self._first = 0  # the version of ``_changed[0]``

    @property
    def version(self) -> int:
        return self._first + len(self._changed)

    def changed_since(self, version: int) -> list[str] | None:
        """The accounts changed since ``version`` (repeats possible), or None if the journal no longer reaches back."""
        return None if version < self._first else self._changed[version - self._first:]

    def __setitem__(self, seller_id: str, strikes: tuple[OutcomeRecord, ...]) -> None:
        super().__setitem__(seller_id, strikes)
        self._note(seller_id)

    def __delitem__(self, seller_id: str) -> None:
        super().__delitem__(seller_id)
        self._note(seller_id)

    def pop(self, seller_id: str, *default: object) -> object:  # type: ignore[override]
        self._note(seller_id)
        return super().pop(seller_id, *default)

    def _unjournaled(self, *args: object, **kwargs: object) -> None:
        raise TypeError("FollowedStrikes keeps a journal: change it by item assignment, del or pop")

    update = setdefault = popitem = clear = __ior__ = _unjournaled  # type: ignore[assignment]

    def _note(self, seller_id: str) -> None:
        self._changed.append(seller_id)
        if len(self._changed) > 2 * self.kept:
            del self._changed[:self.kept]
            self._first += self.kept


class AccountTimes:
    """One version of an account's strikes (the tuple its record gave), with their times."""

    __slots__ = ("strikes", "micros", "sorted", "ids", "sure")

    def __init__(self, seller_id: str, strikes: Sequence[OutcomeRecord]) -> None:
        instants = [_instant(r.decided_at) for r in strikes]
        self.strikes = strikes  # held, so an identity test cannot meet a recycled object
        self.micros = np.fromiter((micros for micros, _ in instants), np.int64, len(instants))
        self.sorted = np.sort(self.micros)
        self.ids = [r.outcome_id for r in strikes if r.outcome_id is not None]
        self.sure = (all(r.seller_id == seller_id and r.outcome is Outcome.CONFIRMED for r in strikes)
                     and len({r.listing_id for r in strikes}) == len(strikes)
                     and all(utc for _, utc in instants))


class NetworkStrikes:
    """Every strike of one network's accounts (as the caller follows them) in one sorted column."""

    __slots__ = ("members", "versions", "version_ids", "parts", "column", "listings", "id_counts", "repeated",
                 "unsure", "seen_in", "seen", "pending", "_position")

    def __init__(self, members: tuple[str, ...]) -> None:
        self.members = members
        self.versions: list[object] = [None] * len(members)
        self.version_ids = np.full(len(members), id(None), dtype=np.uint64)
        self.parts: list[AccountTimes | None] = [None] * len(members)
        self.column = NO_TIMES
        self.listings: list[str] = []  # every strike's listing id, sorted: what a record's evidence lists first
        self.id_counts: Counter[str] = Counter()
        self.repeated: set[str] = set()  # outcome ids counted more than once
        self.unsure = 0  # parts not sure to agree with the reference
        self.seen_in: FollowedStrikes | None = None  # refreshed last from this journal,
        self.seen = 0  # at this version of it
        self.pending: list[int] = []  # positions of members to read at the next refresh, whatever the journal says
        self._position: dict[str, int] | None = None

    def part_of(self, seller_id: str) -> AccountTimes | None:
        at = self._positions().get(seller_id)
        return None if at is None else self.parts[at]

    def _positions(self) -> dict[str, int]:
        if self._position is None:
            self._position = {member: at for at, member in enumerate(self.members)}
        return self._position

    def parts_in(self, positions: list[int], skipped: str) -> list[AccountTimes]:
        """The parts of the accounts at ``positions`` of :attr:`members`, in that order, but ``skipped``'s."""
        parts, members = self.parts, self.members
        return [part for at in positions if (part := parts[at]) is not None and members[at] != skipped]

    def refresh(self, linked: Mapping[str, Sequence[OutcomeRecord]], accounts: StrikeTimes) -> None:
        """Bring the column up to ``linked``: only accounts whose strikes are a new object are read
        (and with a :class:`FollowedStrikes`, only those its journal names are looked at)."""
        journal = linked.changed_since(self.seen) if linked is self.seen_in else None
        if journal is not None and len(journal) < len(self.members):
            position = self._positions()
            candidates = sorted({at for seller in journal if (at := position.get(seller)) is not None}
                                | set(self.pending))
            current = dict(zip(candidates, map(linked.get, (self.members[at] for at in candidates))))
            changed = [at for at in candidates if current[at] is not self.versions[at]]
        else:
            everything = list(map(linked.get, self.members))
            # identity by id(): every object compared is alive (held here or in ``linked``), so no id is reused
            now_ids = np.fromiter(map(id, everything), np.uint64, len(everything))
            changed = np.flatnonzero(now_ids != self.version_ids).tolist()
            current = dict(zip(changed, (everything[at] for at in changed)))
        if isinstance(linked, FollowedStrikes):
            self.seen_in, self.seen = linked, linked.version
        self.pending = []
        edit = len(changed) < REBUILT_FROM
        column = self.column
        removed: Counter[str] = Counter()  # listings, when rebuilt
        added: list[str] = []
        for at in changed:
            old, strikes = self.parts[at], current[at]
            part = accounts.of(self.members[at], strikes) if strikes else None
            self.versions[at], self.version_ids[at], self.parts[at] = strikes, id(strikes), part
            self._recount(old, part)
            gone, new = differences([r.listing_id for r in old.strikes] if old is not None else [],
                                    [r.listing_id for r in part.strikes] if part is not None else [])
            if edit:
                column = without(column, old.sorted) if old is not None else column
                column = merged(column, part.sorted) if part is not None else column
                self._relist(gone, new)
            else:
                removed.update(gone)
                added.extend(new)
        if not edit:
            column = np.sort(np.concatenate([NO_TIMES, *(p.micros for p in self.parts if p is not None)]))
            kept = [listing for listing in self.listings if not _taken(removed, listing)] if removed else self.listings
            self.listings = sorted([*kept, *added])  # two sorted runs: merged, not sorted anew
        self.column = column

    def _relist(self, removed: Iterable[str], added: Iterable[str]) -> None:
        """Keep :attr:`listings` sorted with one copy of each of ``removed`` out and ``added`` in."""
        listings = self.listings
        for listing in removed:
            del listings[bisect_left(listings, listing)]
        for listing in added:
            insort(listings, listing)

    def moved_to(self, members: tuple[str, ...]) -> None:
        """Become the index of ``members``, a network this one's accounts are all part of (it grew
        or merged with another): its parts, counts and columns are kept, and the accounts new to
        it are read at the next refresh. A ring grows by an account every few outcomes, and
        building its index anew each time was a fifth of a feedback worker's time in a soak."""
        old = self._positions()
        taken = [(at, was) for at, member in enumerate(members) if (was := old.get(member)) is not None]
        versions: list[object] = [None] * len(members)
        parts: list[AccountTimes | None] = [None] * len(members)
        version_ids = np.full(len(members), id(None), dtype=np.uint64)
        for at, was in taken:
            versions[at], parts[at] = self.versions[was], self.parts[was]
        if taken:
            now_at, was_at = np.array(taken, dtype=np.int64).T
            version_ids[now_at] = self.version_ids[was_at]
        self.members, self.versions, self.version_ids, self.parts = members, versions, version_ids, parts
        self.pending = [at for at, member in enumerate(members) if member not in old]
        self._position = None

    def with_own(self, seller_id: str, own: AccountTimes) -> np.ndarray | None:
        """The column with the seller's followed strikes replaced by ``own`` (its record's newest),
        or None when a judgement on it might not agree with the reference."""
        old = self.part_of(seller_id)
        if self.unsure - (old is not None and not old.sure) + (not own.sure):
            return None
        if self._repeats_with(old.ids if old else [], own.ids):
            return None
        return merged(without(self.column, old.sorted) if old else self.column, own.sorted)

    def _repeats_with(self, old_ids: list[str], own_ids: list[str]) -> bool:
        """Whether some outcome id would be counted twice once ``own_ids`` replace ``old_ids``."""
        counts, repeated = self.id_counts, self.repeated
        old_set, own_set = set(old_ids), set(own_ids)
        if len(old_set) == len(old_ids) and len(own_set) == len(own_ids):  # each id once per account: by sets
            # an id kept from the old part repeats if it did; a new one if any account has it; a repeated id
            # the seller's part drops still repeats unless dropping it leaves one
            return (any(i not in own_set and (i not in old_set or counts[i] > 2) for i in repeated)
                    or not repeated.isdisjoint(own_set & old_set)
                    or not counts.keys().isdisjoint(own_set - old_set))
        removed, added = Counter(old_ids), Counter(own_ids)
        return (any(counts[i] - removed[i] > 1 for i in repeated if i not in added)
                or any(counts[i] - removed[i] + n > 1 for i, n in added.items()))

    def _recount(self, old: AccountTimes | None, new: AccountTimes | None) -> None:
        """Count ``new``'s outcome ids in place of ``old``'s. A ring account's next record keeps most
        of its 64 strikes, so only the ids that differ are counted."""
        self.unsure += (new is not None and not new.sure) - (old is not None and not old.sure)
        removed, added = differences(old.ids if old is not None else [], new.ids if new is not None else [])
        self._count(removed, -1)
        self._count(added, 1)

    def _count(self, ids: Iterable[str], sign: int) -> None:
        counts, repeated = self.id_counts, self.repeated
        for outcome_id in ids:
            counts[outcome_id] += sign
            if counts[outcome_id] > 1:
                repeated.add(outcome_id)
            else:
                repeated.discard(outcome_id)
                if not counts[outcome_id]:
                    del counts[outcome_id]


class StrikeTimes:
    """Each account's strike times, read once per version of its strikes (the tuple a
    :class:`pipeline.sellers.state.SellerState` holds, replaced whenever the account's record is),
    and the columns of the networks judged lately."""

    def __init__(self, members_held: int = MEMBERS_HELD) -> None:
        self.members_held = members_held
        self._known: dict[str, AccountTimes] = {}
        self._networks: OrderedDict[int, NetworkStrikes] = OrderedDict()  # by id() of its members tuple
        self._holder: dict[str, int] = {}  # account -> id() of the members tuple of the index holding it
        self._held = 0

    def of(self, seller_id: str, strikes: Sequence[OutcomeRecord]) -> AccountTimes:
        known = self._known.get(seller_id)
        if known is None or known.strikes is not strikes:
            known = self._known[seller_id] = AccountTimes(seller_id, strikes)
        return known

    def network(self, members: tuple[str, ...], linked: Mapping[str, Sequence[OutcomeRecord]]) -> NetworkStrikes:
        """The column of the network with these members (the tuple
        :meth:`pipeline.sellers.networks.graph.SellerNetworks.member_ids` keeps), up to date."""
        index = self._networks.get(id(members))  # an index holds its tuple: the id is not reused
        if index is None:
            index = self._grown_into(members) or NetworkStrikes(members)
            self._networks[id(members)] = index
            self._held += len(members)
            self._holder.update(dict.fromkeys(members, id(members)))
            while self._held > self.members_held and len(self._networks) > 1:
                key, evicted = self._networks.popitem(last=False)
                self._held -= len(evicted.members)
                for member in evicted.members:
                    if self._holder.get(member) == key:
                        del self._holder[member]
        else:
            self._networks.move_to_end(id(members))
        index.refresh(linked, self)
        return index

    def _grown_into(self, members: tuple[str, ...]) -> NetworkStrikes | None:
        """The largest index held whose accounts are all among ``members``, moved to them (and no
        longer held under its old members); None if there is none."""
        holders = Counter(key for member in members if (key := self._holder.get(member)) is not None)
        for key, count in holders.most_common():
            index = self._networks.get(key)
            if index is not None and count == len(index.members):
                del self._networks[key]
                self._held -= len(index.members)
                index.moved_to(members)
                return index
        return None

    def forget_missing(self, current: Mapping[str, object]) -> None:
        """Drop accounts no longer holding strikes, once they are as many as those that do."""
        if len(self._known) > 2 * len(current) + 1024:
            self._known = {seller: times for seller, times in self._known.items() if seller in current}


def differences(before: list[str], after: list[str]) -> tuple[Iterable[str], Iterable[str]]:
    """What ``before`` has more of than ``after``, and what ``after`` has more of, each value as
    often as it has more (by sets when neither list repeats a value)."""
    old, new = set(before), set(after)
    if len(old) == len(before) and len(new) == len(after):
        return old - new, new - old
    old_counts, new_counts = Counter(before), Counter(after)
    return (old_counts - new_counts).elements(), (new_counts - old_counts).elements()


def _taken(wanted: Counter[str], value: str) -> bool:
    """Whether ``value`` is one of the copies still ``wanted``; takes it if so."""
    if wanted[value] > 0:
        wanted[value] -= 1
        return True
    return False


def without(column: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``column`` (sorted) less one occurrence of each of ``values`` (sorted, all in it)."""
    if not values.size:
        return column
    repeat = np.arange(values.size) - np.searchsorted(values, values, side="left")
    return np.delete(column, np.searchsorted(column, values, side="left") + repeat)


def merged(column: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``column`` and ``values`` (both sorted) as one sorted column."""
    return np.insert(column, np.searchsorted(column, values), values) if values.size else column

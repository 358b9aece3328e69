"""A round's input and outcome as a few flat arrays, the way they cross the pipe to the
round's worker process (`bot/mentoring/worker.py`) and back.

A pickle of 100,000 frozen dataclasses would hold the serving process's GIL (and its
event loop) in one piece; the bytes of an array go into a pipe with the GIL released.
A frame is a JSON header (the words and the arrays' layout) and the arrays' raw bytes.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from bot.mentoring.matching import MentorOffer, Person, Seeker

Ints = NDArray[np.int64]
Arrays = dict[str, NDArray[Any]]


@dataclass(frozen=True)
class Frame:
    meta: dict[str, Any]
    arrays: Arrays


@dataclass(frozen=True)
class Assignment:
    """A round's outcome, by request id: request `requests[i]` goes to the mentor whose
    member id is `mentors[i]`, with a fit of `points[i]` thousandths."""

    requests: Ints
    mentors: Ints
    points: Ints
    left_out: Ints  # request ids, in the order of the round's input
    seconds: tuple[float, float]  # building the graph, solving it

    def frame(self) -> Frame:
        arrays: Arrays = {
            "requests": self.requests,
            "mentors": self.mentors,
            "points": self.points,
            "left_out": self.left_out,
        }
        return Frame({"seconds": list(self.seconds)}, arrays)

    @classmethod
    def of(cls, frame: Frame) -> Assignment:
        a, (graph, solve) = frame.arrays, frame.meta["seconds"]
        return cls(a["requests"], a["mentors"], a["points"], a["left_out"], (graph, solve))


def round_frame(seekers: Sequence[Seeker], mentors: Sequence[MentorOffer]) -> Frame:
    """A round's input: one array per field, sets as counts and their items in a row,
    topics and languages as indexes into one list of words."""
    words: dict[str, int] = {}
    arrays: Arrays = {
        "request": _ints(s.request_id for s in seekers),
        "left_out": _ints(s.left_out for s in seekers),
        "topic": _ints(words.setdefault(s.topic, len(words)) for s in seekers),
        **_sets("excluded", (s.excluded for s in seekers)),
        **_people("seeker", [s.person for s in seekers], words),
        "capacity": _ints(m.capacity for m in mentors),
        "spare": _ints(m.spare for m in mentors),
        "recent": _ints(m.recent for m in mentors),
        **_sets("topics", ([words.setdefault(t, len(words)) for t in m.topics] for m in mentors)),
        **_people("mentor", [m.person for m in mentors], words),
    }
    return Frame({"words": list(words)}, arrays)


def round_input(frame: Frame) -> tuple[list[Seeker], list[MentorOffer]]:
    """The seekers and mentors `round_frame` was given, equal to them field by field."""
    a, words = frame.arrays, frame.meta["words"]
    topics = [words[t] for t in a["topic"].tolist()]
    seekers = [
        Seeker(*fields)
        for fields in zip(
            a["request"].tolist(),
            _people_of("seeker", a, words),
            topics,
            a["left_out"].tolist(),
            _sets_of("excluded", a),
            strict=True,
        )
    ]
    offered = [frozenset(words[t] for t in ts) for ts in _sets_of("topics", a)]
    mentors = [
        MentorOffer(*fields)
        for fields in zip(
            _people_of("mentor", a, words),
            offered,
            a["capacity"].tolist(),
            a["spare"].tolist(),
            a["recent"].tolist(),
            strict=True,
        )
    ]
    return seekers, mentors


def _ints(values: Iterable[int]) -> Ints:
    return np.fromiter(values, dtype=np.int64)


def _sets(name: str, sets: Iterable[Iterable[int]]) -> Arrays:
    """Sets of ints as each one's size and all their items in a row."""
    sizes: list[int] = []
    items: list[int] = []
    for members in sets:
        before = len(items)
        items.extend(members)
        sizes.append(len(items) - before)
    return {f"{name}_sizes": _ints(sizes), f"{name}_items": _ints(items)}


def _sets_of(name: str, arrays: Arrays) -> list[frozenset[int]]:
    items = arrays[f"{name}_items"].tolist()
    ends = np.cumsum(arrays[f"{name}_sizes"]).tolist()
    return [frozenset(items[start:end]) for start, end in itertools.pairwise([0, *ends])]


def _people(side: str, people: Sequence[Person], words: dict[str, int]) -> Arrays:
    """People's member ids, UTC offsets (NaN when unknown) and languages (as words)."""
    spoken = ([words.setdefault(w, len(words)) for w in p.languages] for p in people)
    offsets = (np.nan if p.utc_offset is None else p.utc_offset for p in people)
    return {
        f"{side}_member": _ints(p.member_id for p in people),
        f"{side}_offset": np.fromiter(offsets, dtype=np.float64, count=len(people)),
        **_sets(f"{side}_languages", spoken),
    }


def _people_of(side: str, arrays: Arrays, words: list[str]) -> list[Person]:
    offsets = [None if math.isnan(o) else o for o in arrays[f"{side}_offset"].tolist()]
    languages = [frozenset(words[w] for w in ws) for ws in _sets_of(f"{side}_languages", arrays)]
    return [
        Person(*fields)
        for fields in zip(arrays[f"{side}_member"].tolist(), offsets, languages, strict=True)
    ]


def write_frame(stream: IO[bytes], frame: Frame) -> None:
    layout = [(name, a.dtype.str, len(a)) for name, a in frame.arrays.items()]
    header = json.dumps({"meta": frame.meta, "layout": layout}).encode()
    stream.write(len(header).to_bytes(8, "little"))
    stream.write(header)
    for array in frame.arrays.values():
        stream.write(np.ascontiguousarray(array).data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Frame | None:
    """The next frame, or None when the other end has closed the pipe (ended)."""
    size = _read(stream, 8)
    header = None if size is None else _read(stream, int.from_bytes(size, "little"))
    if header is None:
        return None
    head = json.loads(header)
    arrays: Arrays = {}
    for name, dtype, length in head["layout"]:
        kind = np.dtype(dtype)
        data = _read(stream, length * kind.itemsize)
        if data is None:
            return None
        arrays[name] = np.frombuffer(data, dtype=kind)
    return Frame(head["meta"], arrays)


def _read(stream: IO[bytes], size: int) -> bytes | None:
    """`size` bytes (a buffered pipe reads until it has them all), None at the pipe's end."""
    data = stream.read(size) if size else b""
    return data if len(data) == size else None

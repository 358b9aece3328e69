"""Min-cost flow pieces of a round (`bot/mentoring/assignment.py`): solving the network,
walking the solved flow back into paths, and segment trees that let a request reach all
of a profile's mentors but a few through a handful of arcs."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

Ints = NDArray[np.int64]
SOURCE, SINK = 0, 1


class Network(Protocol):
    def new(self, count: int) -> Ints: ...

    def add(self, tails: Ints, heads: Ints, capacities: Ints | int, costs: Ints | int) -> int: ...


def solve_flow(tails: Ints, heads: Ints, capacities: Ints, costs: Ints, supply: int) -> Ints:
    """The flow on each arc of a min-cost flow of `supply` units from node 0 to node 1."""
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_node_supply(SOURCE, supply)
    flow.set_node_supply(SINK, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the assignment solver stopped with status {status}")
    return np.asarray(flow.flows(np.arange(len(tails))), dtype=np.int64)


class SegmentTree:
    """A binary tree over some mentors (the leaves): each inner node reaches the mentors
    of its range, at cost zero, and a leaf's arc into its mentor costs the mentor's own
    part of the fit, as the profile's arcs do. Any set of the mentors is then a few
    nodes: excluding k of n mentors costs about 2 k log n arcs, not n."""

    def __init__(self, network: Network, mentors: Ints, points: Ints, capacities: Ints) -> None:
        self.mentors, self.points = mentors.tolist(), points.tolist()
        self.inner: dict[tuple[int, int], int] = {}
        arcs: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
        self._build(network, 0, len(self.mentors), capacities.tolist(), arcs)
        tails, heads, caps, costs = (np.array(a, dtype=np.int64) for a in arcs)
        network.add(tails, heads, caps, costs)

    def _build(
        self,
        network: Network,
        lo: int,
        hi: int,
        capacities: list[int],
        arcs: tuple[list[int], list[int], list[int], list[int]],
    ) -> None:
        node = self.inner[(lo, hi)] = int(network.new(1)[0])
        middle = (lo + hi) // 2
        for a, b in ((lo, middle), (middle, hi)):
            if b - a == 1:
                head, capacity, cost = self.mentors[a], capacities[a], -self.points[a]
            else:
                self._build(network, a, b, capacities, arcs)
                head, capacity, cost = self.inner[(a, b)], sum(capacities[a:b]), 0
            for part, value in zip(arcs, (node, head, capacity, cost), strict=True):
                part.append(value)

    def cover(self, excluded: list[int]) -> list[tuple[int, int]]:
        """(node, points of the fit already on the way) of the few nodes that reach every
        leaf but the `excluded` positions (ascending, distinct)."""
        found: list[tuple[int, int]] = []
        start = 0
        for end in [*excluded, len(self.mentors)]:
            if start < end:
                self._segments(0, len(self.mentors), start, end, found)
            start = end + 1
        return found

    def _segments(self, lo: int, hi: int, a: int, b: int, found: list[tuple[int, int]]) -> None:
        """The tree's canonical nodes covering leaves a to b (exclusive)."""
        if b <= lo or hi <= a:
            return
        if a <= lo and hi <= b:
            if hi - lo == 1:
                found.append((self.mentors[lo], self.points[lo]))
            else:
                found.append((self.inner[(lo, hi)], 0))
            return
        middle = (lo + hi) // 2
        self._segments(lo, middle, a, b, found)
        self._segments(middle, hi, a, b, found)


class Walker:
    """Walks units of a solved flow down the arcs that carry them (cheapest, that is best
    fitting, first) to the mentor nodes, adding up the fit points on the way."""

    def __init__(
        self,
        tails: Ints,
        heads: Ints,
        capacities: Ints,
        costs: Ints,
        flows: Ints,
        nodes: int,
        mentors: range,
    ) -> None:
        used = np.flatnonzero(flows > 0)
        order = used[np.lexsort((heads[used], costs[used], tails[used]))]
        self.heads = heads[order].tolist()
        self.left = flows[order].tolist()
        self.points = (-costs[order]).tolist()
        bounds = np.searchsorted(tails[order], np.arange(nodes + 1))
        self.next, self.end = bounds[:-1].tolist(), bounds[1:].tolist()
        self.mentors = mentors

    def placed(self, node: int) -> bool:
        return any(self.left[i] for i in range(self.next[node], self.end[node]))

    def walk(self, node: int) -> tuple[int, int]:
        """(mentor index, fit points) of one unit from `node`."""
        points = 0
        while node not in self.mentors:
            arc = self.next[node]
            while not self.left[arc]:
                arc += 1
            self.next[node] = arc
            self.left[arc] -= 1
            points += self.points[arc]
            node = self.heads[arc]
        return node - self.mentors.start, points

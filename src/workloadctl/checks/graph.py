"""Cycles and orders in a graph of names: s6-rc dependencies and bundles, process-compose
`depends_on` and `extends`.

A graph maps each node to the nodes it points to (a service to its dependencies, a process
to the processes it depends on or extends), in the order they are to be walked; a node
missing from the mapping points nowhere. Every walk is iterative: a long dependency chain
cannot hit Python's recursion limit.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

Graph = Mapping[str, Sequence[str]]


def find_cycle(graph: Graph) -> list[str] | None:
    """The first cycle a depth-first walk meets (roots and edges in the graph's order), as
    the path around it, ending where it starts: ['a', 'b', 'a']. None: the graph is acyclic."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for node in graph:  # the walk starts from the nodes in the order they were added
        sorter.add(node)
    for node, targets in graph.items():
        for target in targets:
            sorter.add(target, node)  # graphlib walks from a node to the ones added after it
    try:
        sorter.prepare()
    except graphlib.CycleError as cycle:
        return list(cycle.args[1])
    return None


def cycles(graph: Graph) -> list[list[str]]:
    """Every cycle one depth-first walk meets: one per edge that closes a loop, in the order
    met. Each found cycle's closing edge is dropped and the walk asked again; the walk does
    not change by that (the edge led back to a node already on its path), it goes further."""
    remaining = {node: list(targets) for node, targets in graph.items()}
    found: list[list[str]] = []
    while (cycle := find_cycle(remaining)) is not None:
        found.append(cycle)
        last, first = cycle[-2], cycle[-1]
        remaining[last] = [target for target in remaining[last] if target != first]
    return found


def post_order(graph: Graph, roots: Iterable[str]) -> list[str]:
    """Every node reachable from `roots`, each after the nodes it points to (dependencies
    first), each once; a cycle cannot loop. graphlib's topological order would list the
    same nodes in another order, and this order is the one services are started in."""
    order: list[str] = []
    seen: set[str] = set()
    for root in roots:
        if root not in seen:
            order.extend(_post_order_from(graph, root, seen))
    return order


def _post_order_from(graph: Graph, root: str, seen: set[str]) -> Iterator[str]:
    seen.add(root)
    stack: list[tuple[str, Iterator[str]]] = [(root, iter(graph.get(root, ())))]
    while stack:
        node, targets = stack[-1]
        target = next((t for t in targets if t not in seen), None)
        if target is not None:
            seen.add(target)
            stack.append((target, iter(graph.get(target, ()))))
            continue
        stack.pop()
        yield node

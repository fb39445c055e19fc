"""The graph helper: the cycle paths it reports and the order it walks."""

from __future__ import annotations

from workloadctl.checks.graph import cycles, find_cycle, post_order


def test_a_cycle_is_the_path_around_it_in_the_direction_of_the_edges() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": [], "c": ["b"]}) is None


def test_the_walk_starts_at_the_first_node_and_follows_the_edges_in_order() -> None:
    # Entered from x, the loop is met at b first: b -> c -> b, not c -> b -> c.
    assert find_cycle({"x": ["b"], "c": ["b"], "b": ["c"]}) == ["b", "c", "b"]


def test_every_loop_one_walk_meets_is_reported_once() -> None:
    graph = {"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": ["d"], "e": ["a"]}
    assert cycles(graph) == [["a", "b", "a"], ["b", "c", "b"], ["d", "d"]]


def test_post_order_lists_what_a_node_points_to_first_and_each_node_once() -> None:
    graph = {"top": ["web", "db"], "web": ["db", "base"], "db": ["web"]}
    assert post_order(graph, ["top", "db", "nowhere"]) == ["db", "base", "web", "top", "nowhere"]

"""The undo tracker: a person switching back what a skill just did, and what is not that."""

from __future__ import annotations

from custom_components.aisthos.engine.undo_tracker import UndoTracker


def test_a_person_switching_back_within_the_window_is_an_undo() -> None:
    undo = UndoTracker()
    undo.acted("light.hall", "on", "s1", 0.0)
    assert undo.observe("light.hall", "on", True, 10.0) is None  # the same state: no undo
    assert undo.observe("light.hall", "off", False, 20.0) is None  # an automation, not a person
    assert undo.observe("light.hall", "off", True, 30.0) == "s1"
    assert len(undo) == 0


def test_a_valve_finishing_to_open_is_no_undo_but_closing_it_again_is() -> None:
    """open_valve leaves 'opening'; 'open' comes seconds later in the device's own context."""
    undo = UndoTracker()
    undo.acted("valve.garden", "opening", "s1", 0.0)
    assert undo.observe("valve.garden", "open", True, 12.0) is None
    assert undo.observe("valve.garden", "closed", True, 40.0) == "s1"


def test_a_cover_and_a_vacuum_finishing_are_no_undo() -> None:
    undo = UndoTracker()
    undo.acted("cover.blind", "closing", "s1", 0.0)
    undo.acted("vacuum.robo", "returning", "s2", 0.0)
    assert undo.observe("cover.blind", "closed", True, 25.0) is None
    assert undo.observe("vacuum.robo", "docked", True, 90.0) is None
    assert undo.observe("cover.blind", "open", True, 100.0) == "s1"


def test_after_the_window_nothing_is_an_undo() -> None:
    undo = UndoTracker()
    undo.acted("light.hall", "on", "s1", 0.0)
    assert undo.observe("light.hall", "off", True, 500.0) is None
    assert len(undo) == 0

"""The Spark pipeline: Filter → Template → Spark, shared by HA and offline tools."""

from __future__ import annotations

from collections.abc import Iterable

from .perception import Perception
from .significance import SignificanceFilter
from .spark import Spark
from .state_change import EntityInfo, StateChange


class SparkPipeline:
    """Feed state changes in, take Sparks out."""

    def __init__(self, perception: Perception, significance: SignificanceFilter) -> None:
        """Create from a Perception and a Filter."""
        self.perception = perception
        self.significance = significance

    def offer(self, change: StateChange, info: EntityInfo) -> None:
        """Offer one state change of an observed entity."""
        self.significance.offer(change, info)

    def collect(self, now: float) -> list[Spark]:
        """Return the Sparks of changes that became significant by now."""
        return self._perceive(self.significance.due(now))

    def replay(self, changes: Iterable[tuple[StateChange, EntityInfo]]) -> list[Spark]:
        """Return the Sparks of recorded changes, given in time order.

        Before each change, what settled by its time is released, as the one
        second tick does live; at the end everything still pending is.
        """
        sparks: list[Spark] = []
        for change, info in changes:
            sparks.extend(self.collect(change.time))
            self.offer(change, info)
        sparks.extend(self.flush())
        return sparks

    def flush(self) -> list[Spark]:
        """Return the Sparks of everything still pending."""
        return self._perceive(self.significance.flush())

    def _perceive(self, changes: list[tuple[StateChange, EntityInfo]]) -> list[Spark]:
        sparks = []
        spark_for = self.perception.spark
        for change, info in changes:
            if (spark := spark_for(change, info)) is not None:
                sparks.append(spark)
        return sparks

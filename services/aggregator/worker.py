"""Runs the aggregator: a Faust worker in this thread until SIGINT/SIGTERM."""

import copy
import logging

import faust

from kernel import logs
from kernel.clickhouse import Store
from kernel.settings import Settings
from services.aggregator.agent import Aggregator
from services.aggregator.app import create_app
from services.aggregator.commits import CommitTimer
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.rebalance import RebalanceObserver
from services.aggregator.topic_agent import TopicStatsAggregator

log = logging.getLogger(__name__)


def build(settings: Settings, store: Store, metrics: AggregatorMetrics | None = None) -> faust.App:
    app = create_app(settings)
    metrics = metrics or AggregatorMetrics.create()
    Aggregator(app, settings, store, metrics)
    TopicStatsAggregator(app, settings, store, metrics)
    app.sensors.add(CommitTimer(metrics.stage_seconds))
    RebalanceObserver(app, settings, metrics)
    return app


def run(app: faust.App, loglevel: str = "info") -> None:
    """Blocks until the worker stops (Ctrl-C / SIGTERM); returns instead of exiting.

    Faust's worker resets logging when it starts: it is handed the process's own
    configuration (kernel.logs), so the worker logs like the rest of livefest."""
    configured = logs.current()
    worker = faust.Worker(
        app, loglevel=loglevel, quiet=True, redirect_stdouts=False,
        logging_config=copy.deepcopy(configured) if configured else None,
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise

"""Azure Functions entry point: registers the blueprints in functions/ — nothing else."""

import azure.functions as func

from functions.events import bp as events_bp
from functions.numbers import bp as numbers_bp
from functions.operations import bp as operations_bp
from functions.status import bp as status_bp
from functions.status_page import bp as status_page_bp
from functions.timers import bp as timers_bp
from functions.worker import bp as worker_bp

app = func.FunctionApp()
for blueprint in (
    status_bp,
    status_page_bp,
    numbers_bp,
    operations_bp,
    events_bp,
    worker_bp,
    timers_bp,
):
    app.register_functions(blueprint)

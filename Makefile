.PHONY: run test lint

run:
	./scripts/bootstrap.sh
	.venv/bin/warmline kb sync
	.venv/bin/warmline serve

test:
	./scripts/bootstrap.sh dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	npm test
	.venv/bin/pytest --durations=25

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

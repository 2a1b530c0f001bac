.PHONY: run test setup lint index bench
run:    ## set up, build the index if missing, serve UI + API on 127.0.0.1
	bash scripts/dev.sh run
test:   ## set up with test extras and run the tests
	bash scripts/dev.sh test
setup:
	bash scripts/dev.sh setup
lint:
	.venv/bin/ruff check .
index:
	.venv/bin/mlnotes index
bench:
	.venv/bin/mlnotes bench search

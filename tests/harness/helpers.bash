# Shared set-up for the harness suites: tests of the test harness itself
# (tests/vm/console-check, tests/vm/check-tier), which boot nothing and run
# no dmabuf; make check-harness runs them once.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

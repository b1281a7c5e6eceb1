# The two commands of the README:
#   go run ./cmd/kakehashi serve --demo   run the server with the demo data
#   make test                             install what the tests need, run them all

.PHONY: test test-deps fuzz

test: test-deps
	go test -count=1 ./...

# test-deps installs PostgreSQL's server binaries when they are missing: the
# storage tests start a throwaway cluster of their own and never skip it in CI.
test-deps:
	@scripts/test-deps.sh

# fuzz runs each import-parser fuzzer for a while; new interesting inputs
# land in the Go build cache (copy keepers into importer/testdata/fuzz).
fuzz:
	go test ./importer -run '^$$' -fuzz FuzzJSONL -fuzztime 60s
	go test ./importer -run '^$$' -fuzz FuzzCSV -fuzztime 60s

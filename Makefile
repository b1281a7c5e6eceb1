# The commands of the README:
#   make build   build the server and the benchmarks into bin/
#   make demo    install what the server reads at run time, run it with the demo data
#   make test    install what the tests need, run them all

.PHONY: build demo runtime-deps test test-clock test-deps fuzz

# build writes bin/kakehashi, the server: static (CGO_ENABLED=0, every
# dependency is pure Go), stripped and without local paths, ready to copy
# to a host; and bin/kakehashi-bench, the benchmarks, which finds the
# server next to itself for its load benchmark.
build:
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o bin/kakehashi ./cmd/kakehashi
	go build -trimpath -o bin/kakehashi-bench ./cmd/kakehashi-bench

# demo installs Debian's edict (the Japanese–English dictionary that
# cross-lingual matching reads at run time) when it is missing, then runs
# the server with the demo data on http://localhost:8080.
demo: runtime-deps
	go run ./cmd/kakehashi serve --demo

runtime-deps:
	@scripts/test-deps.sh --runtime

test: test-deps
	go test -count=1 ./...

# test-clock runs the suites that read the clock again with the one test
# clock (internal/testclock) moved a year ahead and a year behind, so that a
# test that depends on today's date fails now rather than on that date.
CLOCK_SUITES = . ./httpapi ./web ./sqlstore/... ./notify ./demo ./compliance ./search ./internal/testclock
test-clock: test-deps
	KAKEHASHI_TEST_CLOCK_SHIFT=+1y go test -count=1 $(CLOCK_SUITES)
	KAKEHASHI_TEST_CLOCK_SHIFT=-1y go test -count=1 $(CLOCK_SUITES)

# test-deps installs PostgreSQL's server binaries when they are missing: the
# storage tests start a throwaway cluster of their own and never skip it in CI.
test-deps:
	@scripts/test-deps.sh

# fuzz runs each fuzzer for a while: the import parsers, the dictionary
# parser, and the query and paging parameters of the search page and of
# GET /api/v1/search. New interesting inputs land in the Go build cache
# (copy keepers into the package's testdata/fuzz/<FuzzName>).
fuzz:
	go test ./importer -run '^$$' -fuzz FuzzJSONL -fuzztime 60s
	go test ./importer -run '^$$' -fuzz FuzzCSV -fuzztime 60s
	go test ./lexicon -run '^$$' -fuzz FuzzParseLine -fuzztime 60s
	go test ./web -run '^$$' -fuzz '^FuzzSearchPage$$' -fuzztime 60s
	go test ./httpapi -run '^$$' -fuzz '^FuzzAPISearch$$' -fuzztime 60s

#!/usr/bin/env bats
# tests/schema-check, which validates every JSON document the cli and VM
# suites produce against schema/: it catches a document that leaves the
# schema, and a change to the schema files that does not move the version.

load helpers

CHECK=$BATS_TEST_DIRNAME/../schema-check
REPO=$BATS_TEST_DIRNAME/../..

setup() {
	scratch_file 4M
	DOCS=$SCRATCH_DIR/docs
	mkdir -p "$DOCS"
}
teardown() { cleanup_scratch; }

# copy_tree: what schema-check reads, in $SCRATCH_DIR/tree, to change.
copy_tree() {
	T=$SCRATCH_DIR/tree
	mkdir -p "$T/tests" "$T/tool" "$T/share/bats"
	cp -r "$REPO/schema" "$T/"
	cp "$REPO/tool/report.h" "$T/tool/"
	cp "$REPO/share/bats/dmabuf.bash" "$T/share/bats/"
	cp "$CHECK" "$T/tests/"
}

@test "every command's document carries the schema version and validates; the text output does not show it" {
	run -0 --separate-stderr "$DMABUF" --json verify "$TARGET" --mem memfd --length 64k
	printf '%s\n' "$output" > "$DOCS/verify.json"
	assert_equal "$(jq .schema <<<"$output")" "$(jq '."$defs".schema.const' "$REPO/schema/common.json")"
	run -0 --separate-stderr "$DMABUF" --json check
	printf '%s\n' "$output" > "$DOCS/check.json"
	run -0 --separate-stderr "$DMABUF" --json alloc --mem memfd --size 64k
	printf '%s\n' "$output" > "$DOCS/alloc.json"
	run -0 "$CHECK" "$DOCS"
	assert_line "1..4"
	assert_line --regexp '^ok 1 schema version'
	assert_line --regexp '^ok [0-9] verify: '
	assert_line --regexp '^ok [0-9] check: '
	assert_line --regexp '^ok [0-9] alloc: '
	run -0 --separate-stderr "$DMABUF" verify "$TARGET" --mem memfd --length 64k
	refute_line --partial schema
}

@test "a document with a member the schema does not name, or a wrong type, fails with the member's path" {
	run -0 --separate-stderr "$DMABUF" --json verify "$TARGET" --mem memfd --length 64k
	jq '.target.surprise = 1' <<<"$output" > "$DOCS/extra.json"
	jq '.verify.blocks_bad = "none"' <<<"$output" > "$DOCS/type.json"
	jq 'del(.result)' <<<"$output" > "$DOCS/missing.json"
	jq '.command = "frobnicate"' <<<"$output" > "$DOCS/unknown.json"
	echo '{"command": "verify",' > "$DOCS/broken.json"
	: > "$DOCS/empty.json"		# a run that failed before reporting: skipped
	run -1 "$CHECK" "$DOCS"
	assert_line "1..6"
	assert_line --partial "# .target: Additional properties are not allowed ('surprise' was unexpected)"
	assert_line --partial "# .verify.blocks_bad: 'none' is not of type 'integer'"
	assert_line --partial "# .: 'result' is a required property"
	assert_line --partial "# no schema for command 'frobnicate'"
	assert_line --partial "# not JSON"
}

@test "a change to the schema files fails unless the version moves (DB_REPORT_SCHEMA, the const, the bats helpers, schema/history)" {
	copy_tree
	run -0 "$T/tests/schema-check" "$DOCS"
	jq '."$defs".target.properties.serial = {"type": "string"}' "$T/schema/common.json" > "$T/c" &&
		mv "$T/c" "$T/schema/common.json"
	run -1 "$T/tests/schema-check" "$DOCS"
	# whatever the version is now (v), the change needs v + 1
	v=$(jq '."$defs".schema.const' "$T/schema/common.json")
	n=$((v + 1))
	assert_line --partial "the schema files changed but version $v did not move"
	sum=$(sed -n "s/.*add \"$n \([0-9a-f]*\)\".*/\1/p" <<<"$output")
	[ -n "$sum" ] || fail "no new digest offered: $output"
	# moving only the const is not enough: the C side must say it as well
	jq ".\"\$defs\".schema.const = $n" "$T/schema/common.json" > "$T/c" && mv "$T/c" "$T/schema/common.json"
	run -1 "$T/tests/schema-check" "$DOCS"
	assert_line --partial "DB_REPORT_SCHEMA ($v) is not the schema files' version $n"
	sed -i "s/#define DB_REPORT_SCHEMA $v\$/#define DB_REPORT_SCHEMA $n/" "$T/tool/report.h"
	# and the installed bats helpers, which refuse documents of another version
	run -1 "$T/tests/schema-check" "$DOCS"
	assert_line --partial "share/bats/dmabuf.bash reads schema $v, the documents are $n"
	sed -i "s/^DMABUF_BATS_SCHEMA=$v\$/DMABUF_BATS_SCHEMA=$n/" "$T/share/bats/dmabuf.bash"
	run -1 "$T/tests/schema-check" "$DOCS"
	assert_line --partial "schema/history has no line for version $n"
	sum=$(sed -n "s/.*add \"$n \([0-9a-f]*\)\".*/\1/p" <<<"$output")
	echo "$n $sum" >> "$T/schema/history"
	run -0 "$T/tests/schema-check" "$DOCS"
}

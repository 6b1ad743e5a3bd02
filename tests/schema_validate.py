#!/usr/bin/python3
"""Validate nettriage JSON documents against schema/*.schema.json.

  schema_validate.py SCHEMA_DIR --lint
      check every schema against the draft 2020-12 meta-schema, and that it
      is strict: every object schema with properties closes them
      (additionalProperties or unevaluatedProperties false) and every
      property has a description.
  schema_validate.py SCHEMA_DIR [--expect-invalid] LABEL FILE...
      every line of every FILE is one JSON document (JSON Lines); it is
      validated against nettriage-COMMAND.schema.json, COMMAND taken from
      the document. Prints "ok - LABEL ..." or "not ok - LABEL ...: PATH:
      MESSAGE" per document (--expect-invalid: ok when rejected).

Refs between the schemas are resolved from SCHEMA_DIR only (a store keyed
by each schema's $id); any other reference, and any network fetch, is an
error. Needs Debian's python3-jsonschema (4.10): Draft202012Validator,
RefResolver and the format checker (ipv4, ipv6; date-time is also fixed
by a pattern, as its checker needs a module Debian does not install).
Exit status: 0 when every line printed is "ok", 1 otherwise, 2 on usage.
"""
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator, RefResolver
except ImportError as e:  # the shell test turns this into a failure or skip
    print("schema_validate: python3-jsonschema missing: %s" % e, file=sys.stderr)
    sys.exit(3)


def no_fetch(uri):
    raise jsonschema.exceptions.RefResolutionError(
        "%s: not in the schema directory (no network fetches)" % uri)


def load_store(d):
    store = {}
    for n in sorted(os.listdir(d)):
        if n.endswith(".schema.json"):
            with open(os.path.join(d, n)) as f:
                s = json.load(f)
            store[s["$id"]] = s
            store[n] = s
    return store


def validator(store, command):
    name = "nettriage-%s.schema.json" % command
    if name not in store:
        return None
    s = store[name]
    res = RefResolver(s["$id"], s, store=store,
                      handlers={"http": no_fetch, "https": no_fetch,
                                "file": no_fetch, "ftp": no_fetch})
    return Draft202012Validator(s, resolver=res,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def where(err):
    p = "/".join(str(x) for x in err.absolute_path)
    return "/" + p


def first_error(v, doc):
    """The most relevant error (best_match descends into anyOf/allOf), as
    "PATH: MESSAGE", or None."""
    e = jsonschema.exceptions.best_match(v.iter_errors(doc))
    if e is None:
        return None
    msg = e.message if len(e.message) < 200 else e.message[:200] + "..."
    return "%s: %s" % (where(e), msg)


def lint(store, d):
    bad = 0
    for n in sorted(os.listdir(d)):
        if not n.endswith(".schema.json"):
            continue
        s = store[n]
        problems = []
        try:
            Draft202012Validator.check_schema(s)
        except jsonschema.exceptions.SchemaError as e:
            problems.append("not a valid draft 2020-12 schema: %s" % e.message)
        if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append("$schema is not draft 2020-12")
        if not s.get("$id", "").startswith("https://nettriage.invalid/schema/"):
            problems.append("$id not under https://nettriage.invalid/schema/")

        # Conditions (if/then/else/not) and allOf entries without a type
        # only narrow a closed schema elsewhere: not walked. A property
        # that is a $ref is described by its $defs entry.
        def walk(node, path):
            if isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, "%s/%d" % (path, i))
                return
            if not isinstance(node, dict):
                return
            if "properties" in node:
                if node.get("additionalProperties") is not False and \
                        node.get("unevaluatedProperties") is not False:
                    problems.append("%s: object not closed (additionalProperties false)" % path)
                for k, ps in node["properties"].items():
                    if isinstance(ps, dict) and "description" not in ps and "$ref" not in ps:
                        problems.append("%s/properties/%s: no description" % (path, k))
            for k, ps in node.get("$defs", {}).items():
                if "description" not in ps:
                    problems.append("%s/$defs/%s: no description" % (path, k))
            if "patternProperties" in node and node.get("additionalProperties") is not False:
                problems.append("%s: patternProperties without additionalProperties false" % path)
            if node.get("type") == "object" and "properties" not in node and \
                    "patternProperties" not in node:
                problems.append("%s: object without properties or patternProperties" % path)
            for k, v in node.items():
                if k in ("if", "then", "else", "not"):
                    continue
                if k == "allOf":
                    v = [x for x in v if isinstance(x, dict) and "type" in x]
                walk(v, path + "/" + k)
        walk(s, "#")
        if problems:
            bad += 1
            print("not ok - schema %s: %s" % (n, "; ".join(problems[:5])))
        else:
            print("ok - schema %s: valid draft 2020-12, every object closed, every field described" % n)
    return bad


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    d = argv[1]
    store = load_store(d)
    if argv[2] == "--lint":
        return 1 if lint(store, d) else 0
    expect_invalid = False
    args = argv[2:]
    if args[0] == "--expect-invalid":
        expect_invalid = True
        args = args[1:]
    if len(args) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    label, files = args[0], args[1:]
    bad = 0
    n = 0
    for fn in files:
        with open(fn) as f:
            lines = [l for l in f.read().split("\n") if l.strip()]
        if not lines:
            print("not ok - %s: %s: no JSON document" % (label, os.path.basename(fn)))
            bad += 1
            continue
        for i, line in enumerate(lines):
            n += 1
            tag = "%s [%s line %d]" % (label, os.path.basename(fn), i + 1)
            try:
                doc = json.loads(line)
            except ValueError as e:
                print("not ok - %s: not JSON: %s" % (tag, e))
                bad += 1
                continue
            cmd = doc.get("command") if isinstance(doc, dict) else None
            # path with several HOSTs: {"targets": [...]} (its own schema)
            if cmd == "path" and "targets" in doc:
                cmd = "path-multi"
            v = validator(store, cmd) if isinstance(cmd, str) else None
            if v is None:
                err = "/command: no schema for command %r" % (cmd,)
            else:
                try:
                    err = first_error(v, doc)
                except jsonschema.exceptions.RefResolutionError as e:
                    print("not ok - %s: unresolved $ref: %s" % (tag, e))
                    bad += 1
                    continue
            if expect_invalid:
                if err:
                    print("ok - %s: rejected as it must be (%s)" % (tag, err))
                else:
                    print("not ok - %s: doctored document passed the %s schema" % (tag, cmd))
                    bad += 1
            elif err:
                print("not ok - %s: %s" % (tag, err))
                bad += 1
            else:
                print("ok - %s: valid against nettriage-%s.schema.json" % (tag, cmd))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

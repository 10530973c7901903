#!/usr/bin/env python3
"""Write a secdb YAML file as the secdb's JSON form, with PyYAML (6.0.3
was used): an independent YAML reader, to check ours against.

usage: yaml2json.py IN.yaml OUT.json

Every scalar is written as the string the YAML file holds (PyYAML's
int or float for an unquoted 0 or 2.8 is written back as "0" / "2.8";
the 2020 files have no float-looking key). Key order is kept."""
import json
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


# Read every scalar as a string, as the secdb's own JSON does.
Loader.add_constructor("tag:yaml.org,2002:int", lambda l, n: l.construct_scalar(n))
Loader.add_constructor("tag:yaml.org,2002:float", lambda l, n: l.construct_scalar(n))
Loader.add_constructor("tag:yaml.org,2002:bool", lambda l, n: l.construct_scalar(n))
Loader.add_constructor("tag:yaml.org,2002:null", lambda l, n: None)

with open(sys.argv[1]) as f:
    doc = yaml.load(f, Loader=Loader)
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")

"""One-off: order CreateModel operations so FK targets come first (Tortoise 1.1 autodetector bug)."""
import re
import sys

p = sys.argv[1]
s = open(p).read()
head, rest = s.split("    operations = [\n", 1)
body, tail = rest.rsplit("    ]\n", 1)
ops = [o for o in re.split(r"(?m)^(?=        ops\.CreateModel\()", body) if o.strip()]
names = [re.search(r"name='(\w+)'", o).group(1) for o in ops]
order = sys.argv[2].split(",")
assert sorted(names) == sorted(order), names
byname = dict(zip(names, ops))
s = (head + "    # ordered so every model's foreign-key targets exist before it (Tortoise 1.1 omits\n"
     "    # the FK columns of a model created before its targets)\n    operations = [\n"
     + "".join(byname[n] for n in order) + "    ]\n" + tail)
open(p, "w").write(s)

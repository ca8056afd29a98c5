#!/usr/bin/env python3
"""Generate random plans that the checker simulates, to compare two hotplan binaries.

Each plan declares a few of everything (bool params, a stores param, services, a store
service, a cluster service, resources and groups, hotfixes) and fills a standalone or a
cluster procedure with random steps, checkpoints, `if`s (nested, on params and on the
state) and, in a cluster, `for each` loops. Names always resolve, so the simulation runs;
what it reports is anyone's guess, which is the point: bench/compare-check.sh then says
whether two binaries report the same.

    bench/genrandom.py --seed 1 --count 200 [--scale N] -o DIR

Standard library only.
"""

import argparse
import os
import random


class Gen:
    def __init__(self, rnd, cluster, scale):
        self.r = rnd
        self.cluster = cluster
        self.scale = scale
        self.nparams = rnd.randint(1, 9 * scale)
        self.nsvc = rnd.randint(1, 4)
        self.ngroups = rnd.randint(1, 3)
        self.nhf = rnd.randint(1, 3)
        self.stores = [f'DB{i}' for i in range(rnd.randint(0, 3))]
        self.recover = rnd.random() < 0.7
        self.n = 0
        self.loopvars = []

    def name(self, what):
        self.n += 1
        return f'{what}{self.n}'

    def role(self):
        roles = ['active', 'passive'] + self.loopvars
        if self.r.random() < 0.2:
            roles.append('everyone')
        return self.r.choice(roles)

    def stores_sel(self):
        c = self.r.random()
        if c < 0.3 and self.stores:
            return f'store "{self.r.choice(self.stores)}"'
        if c < 0.45:
            return 'all stores'
        if c < 0.75:
            return 'stores not in affected'
        return 'stores in affected'

    def atom(self):
        r = self.r
        k = r.randrange(9 if self.cluster else 6)
        if k == 0:
            return f'p{r.randrange(self.nparams)}'
        if k == 1:
            return f'service "S{r.randrange(self.nsvc)}" {r.choice(["running", "stopped"])}'
        if k == 2:
            return f'{self.stores_sel()} {r.choice(["mounted", "dismounted"])}'
        if k == 3:
            return f'hotfix h{r.randrange(self.nhf)} installed'
        if k == 4:
            return f'file "f{r.randrange(self.nhf)}.dll" version {r.choice(["==", ">=", "<"])} 1.0.0.{r.randrange(3)}'
        if k == 5:
            return f'process "s{r.randrange(self.nsvc)}.exe" running'
        if k == 6:
            return f'{self.role()} {r.choice(["member", "down"])}'
        if k == 7:
            return f'{self.role()} owns group "G{r.randrange(self.ngroups)}"'
        return f'{self.role()} owns no groups'

    def cond(self, depth=0):
        r = self.r.random()
        if depth < 2 and r < 0.15:
            return f'{self.cond(depth + 1)} and {self.cond(depth + 1)}'
        if depth < 2 and r < 0.25:
            return f'{self.cond(depth + 1)} or {self.cond(depth + 1)}'
        if depth < 2 and r < 0.32:
            return f'not ({self.cond(depth + 1)})'
        return self.atom()

    def on(self):
        return f' on {self.role()}' if self.cluster else ''

    def action(self):
        r = self.r
        k = r.randrange(16 if self.cluster else 12)
        if k in (0, 1):
            return f'{r.choice(["stop", "start"])} service "S{r.randrange(self.nsvc)}"{self.on()}'
        if k == 2:
            return f'{r.choice(["stop", "start"])} service "IS"{self.on()}'
        if k == 3:
            return f'kill process "{r.choice(["store.exe", "s0.exe"])}"{self.on()}'
        if k in (4, 5):
            return f'{r.choice(["dismount", "mount"])} {self.stores_sel()}{self.on()}'
        if k == 6:
            return f'install hotfix h{r.randrange(self.nhf)}{self.on()}'
        if k == 7:
            return f'restart node{self.on()}' if self.cluster or r.random() < 0.5 else 'wait 1s'
        if k == 8:
            return f'wait until {self.cond()} timeout 5m'
        if k == 9:
            return f'verify {self.cond()}'
        if k == 10:
            return 'wait 1s'
        if k == 11:
            return f'exec "echo ${{p{r.randrange(self.nparams)}}}"{self.on()}'
        if k == 12:
            return f'move group "G{r.randrange(self.ngroups)}" to {self.role()}'
        if k == 13:
            return f'{r.choice(["disable", "enable"])} restart of resource "R{r.randrange(self.nsvc)}"'
        if k == 14:
            return f'{r.choice(["stop", "start"])} service "ClusSvc"{self.on()}'
        return f'wait until {self.role()} member timeout 30m'

    def stmts(self, ind, depth, n):
        out = []
        for _ in range(n):
            r = self.r.random()
            pad = '    ' * ind
            if depth < 4 and r < 0.2:
                c = f'p{self.r.randrange(self.nparams)}' if self.r.random() < 0.5 else self.cond()
                out.append(f'{pad}if {c} {{\n')
                out += self.stmts(ind + 1, depth + 1, self.r.randint(0, 3))
                if self.r.random() < 0.6:
                    out.append(f'{pad}}} else {{\n')
                    out += self.stmts(ind + 1, depth + 1, self.r.randint(0, 3))
                out.append(f'{pad}}}\n')
            elif self.cluster and depth < 3 and not self.loopvars and r < 0.27:
                v = self.name('n')
                serial = f' serial {self.r.randint(1, 3)}' if self.r.random() < 0.5 else ''
                out.append(f'{pad}for each {v} in {self.r.choice(["everyone", "others"])}{serial} {{\n')
                self.loopvars.append(v)
                out += self.stmts(ind + 1, depth + 1, self.r.randint(1, 3))
                self.loopvars.pop()
                out.append(f'{pad}}}\n')
            elif r < 0.4:
                out.append(f'{pad}checkpoint {self.name("c")} {{\n')
                for _ in range(self.r.randint(0, 3)):
                    out.append(f'{pad}    {self.action()}\n')
                out.append(f'{pad}}}\n')
            else:
                out.append(f'{pad}step {self.name("s")}{self.on() if self.r.random() < 0.3 else ""} {{\n')
                for _ in range(self.r.randint(0, 3)):
                    out.append(f'{pad}    {self.action()}\n')
                out.append(f'{pad}}}\n')
        return out

    def plan(self):
        r = self.r
        out = ['plan random "a random plan" {\n']
        for i in range(self.nparams):
            out.append(f'    param p{i} : bool{" = false" if r.random() < 0.5 else ""}\n')
        out.append('    param affected : stores\n')
        out.append('    model {\n')
        for i in range(self.nsvc):
            out.append(f'        service "S{i}" process "s{i}.exe"\n')
        out.append('        service "IS" process "store.exe" holds stores\n')
        out.append('        service "ClusSvc" cluster\n')
        for i in range(self.nsvc):
            out.append(f'        resource "R{i}" service "{r.choice(["S" + str(i), "IS"])}" group "G{r.randrange(self.ngroups)}"\n')
        for i in range(self.ngroups):
            out.append(f'        group "G{i}"\n')
        for s in self.stores:
            out.append(f'        store "{s}"\n')
        if self.recover:
            out.append('        recover affected\n')
        out.append('    }\n')
        for i in range(self.nhf):
            restarts = f'\n        restarts "S{r.randrange(self.nsvc)}"' if r.random() < 0.5 else ''
            out.append(f'    hotfix h{i} {{\n        file "f{i}.dll" version 1.0.0.{r.randrange(3)}{restarts}\n    }}\n')
        if r.random() < 0.3:
            out.append(f'    ensure {self.cond()}\n')
        kind = 'cluster' if self.cluster else 'standalone'
        out.append(f'    procedure {kind} {{\n')
        if self.cluster:
            out.append('        roles {\n            active = owner of group "G0"\n'
                       '            passive = any node except active\n'
                       '            everyone = all nodes\n            others = all nodes except active\n        }\n')
        out += self.stmts(2, 0, r.randint(3, 14 * self.scale))
        out.append('    }\n}\n')
        return ''.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=100)
    ap.add_argument('--scale', type=int, default=1, help='more params and statements')
    ap.add_argument('-o', '--output', required=True, help='directory')
    args = ap.parse_args()
    os.makedirs(args.output, exist_ok=True)
    for i in range(args.count):
        rnd = random.Random(args.seed * 1000003 + i)
        g = Gen(rnd, rnd.random() < 0.6, args.scale)
        with open(os.path.join(args.output, f'random-{args.seed}-{i}.hplan'), 'w', encoding='utf-8') as f:
            f.write(g.plan())


if __name__ == '__main__':
    main()

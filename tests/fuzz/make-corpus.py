#!/usr/bin/env python3
"""make-corpus.py - regenerate tests/fuzz/corpus/<harness>/ (the seed corpus)
and tests/fuzz/data/ (the fixed results folders fuzz-hgrm reports on and
fuzz-history adds) from
the files gbench ships: workloads/*.csv and tests/data/traces/*.csv,
bench/configs/*.ini and tests/data/configs/*.ini, reports/rules.tsv, the
first run of the committed ci baseline cut down to a few KB, and the
PyTorch profiler trace tests/data/import/torch-block.json cut to its first
step's mapped ops (with a few hand-made traces beside it), the peak file of
tests/data/results-ops with variants; and, made by
the built gbench (GBENCH, else build/gbench): for fuzz-history, SQL dumps
of a store it makes from tests/data/history/gen.py's runs, and for
fuzz-export the .hlog of one cell it runs (measured: those bytes differ
from run to run).

Run from the repository root; the output is committed, so `make fuzz` needs
no Python. Seeds are small on purpose: libFuzzer mutates small inputs faster.
"""
import csv, glob, io, json, os, re, shutil, sqlite3, subprocess, sys, tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(TOP, 'tests', 'fuzz', 'corpus')
DATA = os.path.join(TOP, 'tests', 'fuzz', 'data')
SEP = '\n@@@@\n'   # fuzz.h FUZZ_SEP: one input holding several files


def put(harness, name, text):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'w', newline='') as f:
        f.write(text)


def head(path, lines):
    with open(path, newline='') as f:
        return ''.join(f.readlines()[:lines])


def traces():
    for p in sorted(glob.glob(f'{TOP}/workloads/*.csv')):
        put('trace', 'workload-' + os.path.basename(p), head(p, 40))
    for p in sorted(glob.glob(f'{TOP}/workloads/*/*.csv')):
        tier = os.path.basename(os.path.dirname(p))
        put('trace', f'{tier}-' + os.path.basename(p), head(p, 25))
    for p in sorted(glob.glob(f'{TOP}/tests/data/traces/*.csv')):
        put('trace', 'test-' + os.path.basename(p), head(p, 60))


def configs():
    for p in sorted(glob.glob(f'{TOP}/bench/configs/*.ini') +
                    glob.glob(f'{TOP}/tests/data/configs/*.ini')):
        put('config', os.path.basename(p), head(p, 200))


def rules():
    p = f'{TOP}/reports/rules.tsv'
    put('rules', 'rules.tsv', head(p, 1000))
    with open(p) as f:
        lines = f.readlines()
    body = [l for l in lines if l.strip() and not l.startswith('#')]
    # a few rules alone: small inputs for the mutator
    for i in range(0, len(body), 8):
        put('rules', f'rules-{i // 8}.tsv', ''.join(body[i:i + 8]))


def baseline_cut():
    """Two cells of the committed baseline's first run, 6 repetitions in 3
    processes, a handful of metrics: results.csv, samples.csv, accuracy.csv
    and the meta.json keys compare reads."""
    run = sorted(glob.glob(f'{TOP}/baselines/*/ci/run-1'))[0]
    cells = ['llm-decode.cpu.b1.f32.c0', 'vector-search.vulkan.b8.q8.c256']
    metrics = ['wall_ns', 'latency_p50_ns', 'latency_p99_ns', 'noise_probe_ns',
               'throughput_rps', 'instructions']
    reps = 6
    files = {}
    with open(f'{run}/results.csv', newline='') as f:
        rows = list(csv.reader(f))
    keep = [rows[0]] + [r for r in rows[1:] if r[0] in cells and r[7] in metrics]
    for r in keep[1:]:
        if r[9] != 'unavailable':
            r[10] = str(reps)
    files['results.csv'] = keep
    with open(f'{run}/samples.csv', newline='') as f:
        rows = list(csv.reader(f))
    files['samples.csv'] = [rows[0]] + [r for r in rows[1:] if r[0] in cells and
                                        r[1] in metrics and int(r[2]) < reps]
    with open(f'{run}/accuracy.csv', newline='') as f:
        rows = list(csv.reader(f))
    files['accuracy.csv'] = [rows[0]] + [r for r in rows[1:] if r[0] in cells][:6]
    text = {}
    for name, rows in files.items():
        b = io.StringIO()
        csv.writer(b, lineterminator='\n').writerows(rows)
        text[name] = b.getvalue()
    with open(f'{run}/meta.json') as f:
        meta = json.load(f)
    m = {k: meta[k] for k in ('schema', 'tool', 'host', 'build', 'config', 'seed',
                              'traces', 'executors', 'complete') if k in meta}
    m['host'] = {k: v for k, v in meta['host'].items() if k != 'caches'}
    m['config'] = {'name': meta['config']['name']}
    m['traces'] = meta['traces'][:2]
    m['processes'] = {'count': 3, 'runs': meta['processes']['runs'],
                      'repetitions': {c: [2, 2, 2] for c in cells}}
    text['meta.json'] = json.dumps(m, indent=2) + '\n'
    return cells, text


def results(cells, text):
    order = ['results.csv', 'samples.csv', 'accuracy.csv', 'meta.json']
    put('results', 'baseline-cut', SEP.join(text[n] for n in order))
    put('results', 'no-accuracy-no-meta', SEP.join(text[n] for n in order[:2]))
    one = json.loads(text['meta.json'])
    one['processes'] = {'count': 1}
    put('results', 'one-process', SEP.join(text[n] for n in order[:3]) + SEP +
        json.dumps(one) + '\n')
    # fuzz-report reads the same four files; and the report test's folder
    for name in os.listdir(os.path.join(OUT, 'results')):
        with open(os.path.join(OUT, 'results', name), newline='') as f:
            put('report', name, f.read())
    ops = f'{TOP}/tests/data/results-ops'
    parts = []
    for name in order:
        p = os.path.join(ops, name)
        parts.append(open(p, newline='').read() if os.path.exists(p) else
                     'cell,op,reference,metric,value,budget,pass\n')
    mrc = 'workload,capacity,hit_rate\n' + ''.join(
        f'mix,{c},{h}\n' for c, h in [(1, 0), (2, 0.25), (4, 0.5), (8, 0.5)])
    put('report', 'results-ops', SEP.join(parts + [mrc]))
    # the same with a hostile workload name in results.csv, meta.json and mrc.csv
    bad = 'a|b`c*_[x]<y>&\\z'
    parts[0] = parts[0].replace(',mix,', f',{bad},')
    parts[3] = parts[3].replace('"name": "mix"', '"name": ' + json.dumps(bad))
    put('report', 'results-ops-hostile', SEP.join(parts + [mrc.replace('mix,', bad + ',')]))
    put('results', 'results-ops-hostile', SEP.join(parts))   # compare's Markdown and JUnit


def merges(text):
    """Two shares of one run for fuzz-merge (eight files), from the cut
    baseline: the same cells, each share its own run_id and index, and the
    meta.json keys merge checks (complete, config, commit, host). Then the
    same run on another machine class (report --fleet), and a pooled
    folder with one of its shares."""
    order = ['results.csv', 'samples.csv', 'accuracy.csv', 'meta.json']
    shares = []
    for i in range(2):
        m = json.loads(text['meta.json'])
        m['complete'] = True
        m['run_id'] = '%032x' % (0x5eed0000 + i)
        m['share'] = {'count': 2, 'indexes': [i]}
        m.pop('processes', None)
        shares.append(dict(text, **{'meta.json': json.dumps(m, indent=1) + '\n'}))
    put('merge', 'two-shares', SEP.join(shares[i][n] for i in range(2) for n in order))
    # two runs of the config on two machine classes: report --fleet's input
    other = json.loads(shares[1]['meta.json'])
    other.pop('share', None)
    other['host']['cpu_model'] = 'Other CPU | <b>`x`</b>'
    put('merge', 'two-classes', SEP.join(
        [shares[0][n] for n in order] + [shares[1][n] for n in order[:3]] +
        [json.dumps(other) + '\n']))
    pooled = json.loads(text['meta.json'])
    pooled['complete'] = True
    pooled['pooled_runs'] = ['%032x' % 0x5eed0000, '%032x' % 0x5eed0001]
    pooled.pop('processes', None)
    put('merge', 'pooled-and-share', SEP.join(
        [text[n] for n in order[:3]] + [json.dumps(pooled) + '\n'] +
        [shares[1][n] for n in order]))


def hgrm_text(counts):
    """A percentile distribution in the .hgrm layout gb_hist_write_hgrm writes."""
    total = sum(c for _, c in counts)
    out = ['%12s %14s %10s %14s\n\n' % ('Value', 'Percentile', 'TotalCount',
                                        '1/(1-Percentile)')]
    cum = 0
    for v, c in counts:
        cum += c
        q = cum / total
        if q < 1:
            out.append('%12.3f %2.12f %10d %14.2f\n' % (v, q, cum, 1 / (1 - q)))
    out.append('%12.3f %2.12f %10d\n' % (counts[-1][0], 1.0, total))
    mean = sum(v * c for v, c in counts) / total
    out.append('#[Mean    = %12.3f, StdDeviation   = %12.3f]\n' % (mean, mean / 10))
    out.append('#[Max     = %12.3f, Total count    = %12d]\n' % (counts[-1][0], total))
    out.append('#[Buckets = %12d, SubBuckets     = %12d]\n' % (27, 2048))
    return ''.join(out)


def raw_text(values):
    """gb_hist_write_raw's layout for 1..2047 (bucket 0: index = value)."""
    total = sum(c for _, c in values)
    s = sum(v * c for v, c in values)
    out = ['gbench-hist-raw 1 28672 %d 0 %d %d %s\n' % (
        total, values[0][0], values[-1][0], float(s).hex())]
    out += ['%d %d\n' % (v, c) for v, c in values]
    return ''.join(out)


def hgrm(cells, text):
    small = [(100, 5), (120, 20), (150, 40), (300, 20), (2000, 3)]
    lat = [(v * 1000.0, c) for v, c in [(1.2, 10), (1.5, 30), (2.0, 40), (3.5, 15), (9.0, 5)]]
    put('hgrm', 'both', raw_text(small) + SEP + hgrm_text(lat))
    put('hgrm', 'raw-only', raw_text([(1, 1)]))
    put('hgrm', 'empty-raw', 'gbench-hist-raw 1 28672 0 0 0 0 0x0p+0\n' + SEP +
        hgrm_text([(1.0, 1)]))
    # the fixed results folder the report runs on, its .hgrm from the input
    shutil.rmtree(DATA, ignore_errors=True)
    d = os.path.join(DATA, 'report-results')
    os.makedirs(os.path.join(d, 'hist'))
    for name, t in text.items():
        with open(os.path.join(d, name), 'w', newline='') as f:
            f.write(t)
    with open(os.path.join(d, 'hist', cells[1] + '.hgrm'), 'w') as f:
        f.write(hgrm_text(lat))


def torch_event(name, ts, dur, dims=None, cat='cpu_op', **args):
    a = dict(args)
    if dims is not None:
        a['Input Dims'] = dims
    return {'ph': 'X', 'cat': cat, 'name': name, 'pid': 1, 'tid': 1, 'ts': ts,
            'dur': dur, 'args': a}


def imports():
    """Profiler traces for fuzz-import: the block's first step cut to the ops
    the import maps or nests (and the ProfilerStep around them), then small
    traces of one op family each, a legacy one without shapes."""
    with open(f'{TOP}/tests/data/import/torch-block.json') as f:
        block = json.load(f)
    ev = block['traceEvents']
    step = next(e for e in ev if e['name'] == 'ProfilerStep#0')
    end = step['ts'] + step['dur']
    keep = {'aten::linear', 'aten::t', 'aten::addmm', 'aten::mm', 'aten::matmul',
            'aten::bmm', 'aten::softmax', 'aten::_softmax', 'aten::layer_norm',
            'aten::native_layer_norm', 'aten::silu', 'aten::sum'}
    cut = [step] + [e for e in ev if e['name'] in keep and step['ts'] <= e['ts'] < end]
    put('import', 'block-step0', json.dumps({'traceEvents': cut}, separators=(',', ':')))
    E = torch_event
    put('import', 'linear', json.dumps({'traceEvents': [
        E('ProfilerStep#1', 0, 100, cat='user_annotation'),
        E('aten::linear', 10, 50, [[4, 64], [32, 64], [32]]),
        E('aten::t', 12, 2, [[32, 64]]),
        E('aten::addmm', 15, 40, [[32], [4, 64], [64, 32], [], []], flops=16384),
    ]}))
    put('import', 'families', json.dumps({'traceEvents': [
        E('aten::mv', 0, 5, [[128, 64], [64]], **{'Input type': ['float', 'float']}),
        E('aten::bmm', 10, 5, [[2, 3, 8], [2, 8, 5]]),
        E('aten::baddbmm', 20, 5, [[2, 3, 5], [2, 3, 8], [2, 8, 5], [], []]),
        E('aten::softmax', 30, 5, [[2, 7], [], []]),
        E('aten::rms_norm', 40, 5, [[3, 16], [], [16], []]),
        E('aten::layer_norm', 50, 5, [[3, 16], [], [16], [16], [], []]),
        E('aten::silu_', 60, 5, [[5, 9]]),
        E('aten::sum', 70, 5, [[4, 100], [], [], []], **{'Input type': ['float', 'long int', 'bool', '']}),
        E('aten::fft_fft', 80, 5, [[2, 64], [], [], []]),
        E('aten::topk', 90, 5, [[1, 1000], [], [], [], []]),
    ]}))
    put('import', 'legacy-no-shapes', json.dumps({'traceEvents': [
        {'ph': 'X', 'cat': 'Operator', 'name': 'aten::mm', 'pid': 'a', 'tid': 'b',
         'ts': 1.5, 'dur': 2.25, 'args': {}},
        {'ph': 'i', 'cat': 'kernel', 'name': 'gemm', 'pid': 0, 'tid': 7, 'ts': 3},
    ]}))


def sql_dump(db, tmp):
    """The store as SQL, the same bytes from run to run: the temp folder the
    runs were added from and the time they were added made fixed."""
    con = sqlite3.connect(db)
    con.execute("UPDATE runs SET added = '2026-12-07T00:00:00Z', "
                "source = replace(source, ?, '/tmp/history')", (tmp,))
    con.commit()
    text = '\n'.join(con.iterdump()) + '\n'
    con.close()
    return text


def stores(gbench):
    """SQL that makes a history store, for fuzz-history: the dump of a real
    store (`gbench history add` of 12 runs from tests/data/history/gen.py
    with a 5% step after run 6, and 3 on another branch), then the same
    schema without its constraints holding odd rows (NULLs, text where a
    number goes, a negative count, control bytes and '|' in names)."""
    tmp = tempfile.mkdtemp()
    try:
        src = f'{TOP}/baselines/intel-xeon-2c-llvmpipe-llvm-15-0-6-256-bits/ci/run-1'
        gen = f'{TOP}/tests/data/history/gen.py'
        db = os.path.join(tmp, 'h.sqlite')
        for name, args in [('step', ['--runs', '12', '--step', '0.05', '--after', '6']),
                           ('dev', ['--runs', '3', '--step', '0', '--seed', '3'])]:
            subprocess.run([sys.executable, gen, src, os.path.join(tmp, name)] + args,
                           check=True)
            runs = sorted(glob.glob(os.path.join(tmp, name, 'run-*')))
            subprocess.run([gbench, 'history', 'add', '-q', '--history', db, '--branch',
                            'main' if name == 'step' else 'dev'] + runs, check=True)
        # the folder fuzz-history adds to each store
        shutil.copytree(os.path.join(tmp, 'dev', 'run-001'), os.path.join(DATA, 'history-run'))
        dump = sql_dump(db, tmp)
        put('history', 'store', dump)
        con = sqlite3.connect(db)
        schema = [r[0] for r in con.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
        con.close()
    finally:
        shutil.rmtree(tmp)
    loose = [re.sub(r' NOT NULL| UNIQUE| PRIMARY KEY\(run, cell, metric\)| WITHOUT ROWID|'
                    r' REFERENCES runs\(id\)', '', t).replace(',)', ')') + ';' for t in schema]
    odd = loose + [
        "INSERT INTO gbench VALUES('schema','1');",
        "INSERT INTO runs VALUES(1,'f1','cls|\x1b[31m','ci','main\nx','c01','2026-01-01',"
        "'/r/1','now');",
        "INSERT INTO runs VALUES(2,'f2',NULL,'ci',NULL,NULL,NULL,NULL,NULL);",
        "INSERT INTO runs VALUES(3,'f3','cls|\x1b[31m','ci','main\nx','c\t03','2026-01-03',"
        "'/r/3','now');",
        "INSERT INTO points VALUES(1,'a|b\x07','wall_ns','ns',100.0,10);",
        "INSERT INTO points VALUES(2,'a|b\x07','wall_ns',NULL,'abc',-1);",
        "INSERT INTO points VALUES(3,'a|b\x07','wall_ns','n\rs',1e308,10);",
        "INSERT INTO points VALUES(3,NULL,NULL,NULL,NULL,NULL);",
        "INSERT INTO run_ids VALUES(NULL,1);",
    ]
    put('history', 'odd-rows', '\n'.join(odd) + '\n')
    put('history', 'empty-store', '\n'.join(loose) + "\nINSERT INTO gbench VALUES('schema','1');\n")


def exports(gbench, cells, text):
    """fuzz-export's inputs: the cut baseline's four files and its first
    cell's hist/<cell>.hlog, which the committed baselines do not have: one
    repetition of that cell run by the built gbench, its Tag already the
    cell's id. The run's own meta.json is not used: its manifest would make
    every mutation of the CSVs a refused folder."""
    order = ['results.csv', 'samples.csv', 'accuracy.csv', 'meta.json']
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run([gbench, 'run', '-q', '--config', 'ci', '--filter', cells[0],
                        '--repetitions', '1', '--warmup', '0', '--no-report',
                        '--out', os.path.join(tmp, 'r')], check=True)
        with open(os.path.join(tmp, 'r', 'hist', cells[0] + '.hlog')) as f:
            hlog = f.read()
    finally:
        shutil.rmtree(tmp)
    put('export', 'baseline-cut', SEP.join(text[n] for n in order) + SEP + hlog)
    put('export', 'no-hlog', SEP.join(text[n] for n in order))
    # a hostile workload name: OpenMetrics label escaping, JSON strings
    bad = 'w"x\\y\u00e9|{a="b"}'
    rows = text['results.csv'].replace(',llm-decode,', ',"' + bad.replace('"', '""') + '",')
    put('export', 'hostile-workload', SEP.join([rows] + [text[n] for n in order[1:]]))


def peaks():
    """Peak files for fuzz-peak: the one tests/data/results-ops is reported
    with, the same with the vulkan executor's ceilings as `gbench peak`
    writes them, and with the figures it could not measure as null."""
    with open(f'{TOP}/tests/data/results-ops/peak.json') as f:
        peak = json.load(f)
    put('peak', 'results-ops', json.dumps(peak, indent=1) + '\n')
    vk = dict(peak, executors={'vulkan': {
        'device': 'llvmpipe (LLVM 15.0.6, 256 bits)', 'copy_gbs': 1.88, 'f32_gflops': 34.9,
        'copy_buffer_bytes': 134217728, 'note': 'device time (timestamp queries)'}})
    put('peak', 'with-vulkan', json.dumps(vk, indent=1) + '\n')
    nulls = json.loads(json.dumps(peak))
    for level in nulls['bandwidth']['levels']:
        level['copy'] = None
    nulls['flops']['int8_dot'] = {'gops': None, 'note': 'not measured'}
    put('peak', 'not-measured', json.dumps(nulls, indent=1) + '\n')


def main():
    os.chdir(TOP)
    gbench = os.environ.get('GBENCH', f'{TOP}/build/gbench')
    if not os.access(gbench, os.X_OK):
        sys.exit(f'make-corpus.py: no gbench at {gbench} (make, or set GBENCH): '
                 'the history and export seeds are made with it')
    shutil.rmtree(OUT, ignore_errors=True)
    traces()
    configs()
    rules()
    cells, text = baseline_cut()
    results(cells, text)
    merges(text)
    hgrm(cells, text)
    imports()
    peaks()
    stores(gbench)
    exports(gbench, cells, text)
    for h in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, h))
        size = sum(os.path.getsize(os.path.join(OUT, h, f)) for f in files)
        print(f'{h}: {len(files)} seeds, {size} bytes')


if __name__ == '__main__':
    sys.exit(main())

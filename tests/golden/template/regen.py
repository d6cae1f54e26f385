"""Builds a playbook from cases.yml, runs ansible-playbook, writes cases.json.

Case kinds (keys in cases.yml):
  e: a value given to `debug: msg=` (templated as task args are)
  c: a bare conditional given to `when:` (a list means AND)
  v: per-case vars (task vars, templated lazily by Ansible)
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

here = sys.argv[1]
with open(os.path.join(here, 'cases.yml')) as f:
    spec = yaml.safe_load(f)

ENV_VALUE = 'from-env'
tasks = []
for i, case in enumerate(spec['cases']):
    task = {'name': 'case %d' % i, 'ignore_errors': True}
    if 'e' in case:
        task['debug'] = {'msg': case['e']}
    else:
        task['debug'] = {'msg': 'ran'}
        task['when'] = case['c']
    if 'v' in case:
        task['vars'] = case['v']
    tasks.append(task)
play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': spec['vars'], 'tasks': tasks}]


def error_kind(msg):
    low = msg.lower()
    if 'recursive' in low or 'recursion' in low:
        return 'recursion'
    if 'conditional' in low and 'boolean' in low:
        return 'non_boolean'
    if 'is undefined' in low or 'has no attribute' in low or 'mandatory variable' in low:
        return 'undefined'
    if 'syntax error' in low:
        return 'syntax'
    return 'error'


with tempfile.TemporaryDirectory() as tmp:
    os.symlink(os.path.join(here, 'files'), os.path.join(tmp, 'files'))
    os.symlink(os.path.join(here, 'templates'), os.path.join(tmp, 'templates'))
    book = os.path.join(tmp, 'play.yml')
    with open(book, 'w') as f:
        yaml.safe_dump(play, f, sort_keys=False)
    out = os.path.join(tmp, 'results.json')
    env = dict(os.environ,
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(here, 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='collect_results',
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.minimal',
               ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='0',
               KIB_TEMPLATE_GOLDEN=ENV_VALUE, COLLECT_RESULTS_OUT=out)
    subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local', book],
                   env=env, stdout=subprocess.DEVNULL, check=False)
    with open(out) as f:
        results = json.load(f)

version = subprocess.run(['ansible', '--version'], capture_output=True, text=True).stdout.split('\n')[0]
cases = []
for i, case in enumerate(spec['cases']):
    got = results.get('case %d' % i)
    entry = dict(case)
    if got is None:
        entry['expect'] = {'error': 'error', 'message': 'no result recorded'}
    elif got['status'] == 'failed':
        msg = got['result'].get('msg', '')
        entry['expect'] = {'error': error_kind(msg), 'message': msg}
    elif 'c' in case:
        entry['expect'] = {'value': got['status'] == 'ok'}
    else:
        entry['expect'] = {'value': got['result'].get('msg')}
    cases.append(entry)

with open(os.path.join(here, 'cases.json'), 'w') as f:
    json.dump({'generated_by': version, 'env': {'KIB_TEMPLATE_GOLDEN': ENV_VALUE},
               'vars': spec['vars'], 'cases': cases}, f, indent=1, sort_keys=False)
    f.write('\n')
print('%d cases written' % len(cases))

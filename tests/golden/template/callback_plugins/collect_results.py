# Records every task result of a run as JSON, for the template golden
# generator (regen.sh). Written for this project; not an Ansible plugin copy.
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'collect_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.results = {}

    def _record(self, result, status):
        data = json.loads(self._dump_results(result._result))
        self.results[result._task.get_name()] = {'status': status, 'result': data}

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['COLLECT_RESULTS_OUT'], 'w') as out:
            json.dump(self.results, out, indent=1, sort_keys=True)

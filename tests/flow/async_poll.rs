//! `async:` + `poll:` and `async_status`: a job started with `poll: 0`
//! returns at once and is read (and cleaned up) with `async_status`; with
//! `poll:` above 0 the task waits, and fails when the job outlives
//! `async:`. Results, messages and recaps as ansible-playbook 2.19.14's.

use super::twin::Twin;

const TIMING: &[&str] = &["FAILED - RETRYING", "ASYNC POLL"];

#[test]
fn poll_zero_returns_at_once_and_async_status_reads_and_cleans_the_job() {
    let twin = Twin::start(2);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - name: fire
                  shell: sleep 2; echo done > /tmp/async-done; echo out
                  async: 30
                  poll: 0
                  register: job
                - name: the job still runs
                  command: test ! -e /tmp/async-done
                  changed_when: false
                - assert:
                    that:
                      - job is changed
                      - job.started
                      - not job.finished
                      - job.ansible_job_id is match('j[0-9]+[.][0-9]+$')
                      - job.results_file == '/root/.ansible_async/' ~ job.ansible_job_id
                - name: wait
                  async_status:
                    jid: "{{ job.ansible_job_id }}"
                  register: st
                  until: st.finished
                  retries: 30
                  delay: 1
                - assert:
                    that:
                      - st is changed
                      - st.stdout == 'out'
                      - st.stdout_lines == ['out']
                      - st.rc == 0
                      - st.started and st.finished
                      - st.results_file == job.results_file
                - stat:
                    path: "{{ job.results_file }}"
                  register: kept
                - name: cleanup
                  async_status:
                    jid: "{{ job.ansible_job_id }}"
                    mode: cleanup
                  register: cl
                - stat:
                    path: "{{ job.results_file }}"
                  register: gone
                - assert:
                    that:
                      - kept.stat.exists
                      - not gone.stat.exists
                      - cl is not changed
                      - cl.erased == job.results_file
                      - not cl.started and not cl.finished
                - name: no such job
                  async_status:
                    jid: nosuch
                  ignore_errors: true
                - name: a failing job
                  command: "false"
                  async: 10
                  poll: 0
                  register: bad
                - name: its status
                  async_status:
                    jid: "{{ bad.ansible_job_id }}"
                  register: bs
                  until: bs.finished
                  retries: 10
                  delay: 1
                  ignore_errors: true
                - name: actions that do not support async
                  copy:
                    content: x
                    dest: /tmp/x
                  async: 10
                  ignore_errors: true
                - debug:
                    msg: x
                  async: 10
                  ignore_errors: true
            "#,
        )
        .run();
    runs.same_recap(&["node1", "node2"]);
    runs.same_output_without(TIMING);
    for h in twin.pair(0).into_iter().chain(twin.pair(1)) {
        assert_eq!(h.sh("cat /tmp/async-done"), "done\n");
    }
}

#[test]
fn poll_waits_for_the_job_and_fails_when_it_outlives_async() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - name: polled
                  shell: sleep 1; echo hi
                  async: 20
                  poll: 1
                  register: p
                - stat:
                    path: "{{ p.results_file }}"
                  register: f
                - assert:
                    that:
                      - p is changed
                      - p.stdout == 'hi'
                      - p.finished and p.started
                      - p.ansible_job_id is defined
                      - not f.stat.exists
                - name: polled failure
                  command: "false"
                  async: 10
                  poll: 1
                  ignore_errors: true
                # One poll at 7 s; the job is ended at 10 s (async_wrapper
                # checks every 5 s), so the poll always finds it running.
                - name: too slow
                  command: sleep 30
                  async: 7
                  poll: 7
                  register: ts
                  ignore_errors: true
                - assert:
                    that:
                      - ts is failed
                      - not ts.async_result.finished
                - name: over its own limit
                  command: sleep 30
                  async: 2
                  poll: 0
                  register: lj
                - name: wait for it
                  async_status:
                    jid: "{{ lj.ansible_job_id }}"
                  register: ls
                  until: ls.finished
                  retries: 20
                  delay: 1
                  ignore_errors: true
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    runs.same_output_without(TIMING);
    for side in [&runs.ours, &runs.ansible] {
        assert_eq!(side.out.matches("ASYNC OK on node1").count(), 1, "{runs}");
        assert_eq!(
            side.out.matches("ASYNC FAILED on node1").count(),
            2,
            "{runs}"
        );
    }
}

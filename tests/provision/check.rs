//! `--check` with the current images, each host the image of its OS, from
//! the mirror: on fresh hosts it predicts changes and writes nothing (the
//! overlay's upper directory is the same before and after); after a real
//! run it predicts none. Plain-chroot hosts (`start_services=false`).

use super::{assert_same, assert_unchanged, prepare, snapshot, Mirror, Setup, Source};
use crate::harness::{Fleet, Os};
use engine::modules::RunMode;

#[test]
fn check_mode_predicts_without_writing_and_agrees_once_converged() {
    let fleet = Fleet::builder()
        .host(Os::Rocky9)
        .host(Os::Ubuntu2404)
        .host(Os::Flatcar)
        .start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, Some(&mirror));
    }
    let setup = Setup::new(&fleet, &mirror);
    let job = || setup.job(&fleet, Source::Mirror, None, &[], &["start_services=false"]);
    let fresh: Vec<_> = fleet.hosts().iter().map(snapshot).collect();

    let (summary, output) = setup.run(job(), RunMode::Check);
    assert_eq!(summary.exit_code, 0, "{output}");
    for (host, before) in fleet.hosts().iter().zip(&fresh) {
        let stats = &summary.recap.hosts[host.name()];
        assert!(
            stats.changed > 5,
            "{}: predicted {}:\n{output}",
            host.name(),
            stats.changed
        );
        assert_same(
            &format!("{} after --check", host.name()),
            before,
            &snapshot(host),
        );
    }

    let (summary, output) = setup.run(job(), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");
    let (summary, output) = setup.run(job(), RunMode::Check);
    assert_unchanged(&summary, &output);
}

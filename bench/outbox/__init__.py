"""The outbox under faults: 10,000 sends across 100 communities, 1% of platform calls
failing, one community down for a while, and a SIGKILL in the middle followed by a
restart.

What runs is copbot's real sender (`open_app`, as every process builds it, on a SQLite
file or `--database postgresql://...`) with its real 2-minute lease: each send is recorded
in a unit of work of its community with a unique key, at its due time (send n is due n /
rate seconds after the start, 36 a second on Discord's pacing (45 posts/s, so ~85% busy),
100 on Slack's (1 post/s a channel); community n % 100, one of its 4 channels; every 20th
send posts twice, the second post where the first went), and the sender is woken after
each commit as the core wakes it. The platform (`bench/platform.py`'s log, shared by both
processes) dedupes nothing: lookups answer only from the posts it holds, by the time it
stamped them. 1% of calls fail with a retryable error, half of the failed posts AFTER the
message was stored (the caller sees a failure for a post that happened). Community 0 fails
every call for the first third of the run, then heals: its sends must arrive once too.

Half-way (by posts on the platform) the serving process is SIGKILLed (with its matching
solver: its process group) and a new one starts on the same database. The kill's claims
are taken over only once their lease ran out, as in production (no shorter lease, no moved
clock): the bench lasts long enough for it.

Counted from the platform's log: sent, doubled (a post's key stored twice), lost (a
recorded send with a post never stored). Delay beyond pacing, for the healthy communities:
each send's (last post stored - due) minus what pacing alone would impose. That pacing-
only schedule is computed here, offline, from the due times alone, not by the Pacer: an
ideal sender posting each post once, in due order (ties in the order copbot sent them), no
sooner than the platform's global rate and per-channel gap allow, and not while no copbot
ran (from the kill until the new process was up). The sends the dead process had claimed
(read from the database it left) wait out its lease by design: in the ideal schedule they
may go from kill + lease on (claims made before the kill end sooner: a few seconds'
leeway), they are left out of the p99, and each must go within a sender period + 5 s of
that schedule. The worst event-loop stall is the lateness of a 10 ms ticker
in each serving process, less the time its thread waited for a CPU (read from
/proc/thread-self/schedstat: the machine is shared; both figures are printed); the bound
is 100 ms, under half of a Discord command's 250 ms p99 budget, which every stall adds to.

Run: `.venv/bin/python -m bench.outbox [--platform discord|slack] [--database URL]`.
"""

"""Scheduling the document jobs: what can be reused, what is rendered, and
where (here, or in a pool of worker processes).

1. A job whose input files are unchanged is reused: nothing read or rendered.
2. A job with no earlier output at all is rendered.
3. The rest render their HTML here first: an output whose HTML is unchanged
   is still reused (a comment, another language's entry, another
   variant's style); the others are rendered.

Workers start while step 3 runs. Results come back in job order whatever
the order they finish in, so the manifest never depends on timing. A job
whose worker dies or runs too long fails; the others go on.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import time
from multiprocessing.pool import Pool
from typing import Any, Callable

from . import paths
from .content import Material, Project, load_project
from .documents import Loaded, NeedsRendering, build_material, output_paths
from .errors import BuildError, RenderError, as_build_error
from .fingerprints import InputFingerprints
from .model import BuildOptions, Job, OutputEntry, Result
from .outputs import is_up_to_date
from .templating import make_environment
from .translations import source_messages, template_catalog
from .variants import STANDARD

log = logging.getLogger(__name__)
RECYCLE_AFTER = 60     # jobs per worker process before it is replaced (memory stays bounded)
DEAD_GRACE_S = 3.0     # a job's worker gone this long without its result: the job is lost
POLL_S = 0.2           # how often the pool's workers are looked at while waiting
FAULT_ENV = "PAMPHLET_BUILDER_FAULT"   # tests: "kill:MATERIAL/LANG" or "hang:MATERIAL/LANG"

Progress = Callable[[str], None]


def build_documents(project: Project, options: BuildOptions, jobs: list[Job],
                    previous: dict[str, OutputEntry], fingerprints: InputFingerprints,
                    progress: Progress) -> list[Result]:
    """The results of every job, in job order; each entry records its inputs."""
    started = time.monotonic()
    done: dict[Job, list[Result]] = {}
    to_plan, to_render = [], []
    for job in jobs:
        reused = _unchanged(project, job, options, previous, fingerprints)
        material = project.materials[job.material]
        if reused is not None:
            done[job] = reused
        elif any(r.path in previous for r in _outputs(material, job, options)):
            to_plan.append(job)
        else:
            to_render.append(job)
    workers = min(options.jobs or os.cpu_count() or 1, len(to_render) + len(to_plan))
    to_render.sort(key=lambda job: -expected_cost(project, job, options))
    with Renderers(project, options, previous, progress, workers) as renderers:
        renderers.submit(to_render)          # workers start while the rest is planned
        for job in to_plan:
            planned = renderers.plan_here(job)
            if planned is None:
                renderers.submit([job])
            else:
                done[job] = planned
        for results in done.values():
            for result in results:
                progress(result.path)
        log.info("planned in %.2f s: %d of %d jobs to render", time.monotonic() - started,
                 len(renderers.pending) + len(renderers.queued), len(jobs))
        done.update(renderers.results())
    for job, results in done.items():
        for result in results:
            if result.entry and not result.error:
                result.entry = {**result.entry, "inputs": fingerprints.of(*job)}
    return [r for job in jobs for r in done[job]]


# Measured render time per job, relative: a handout (two columns, fitted to
# its English) takes about 5 times a wallet card, a tri-fold about 2.5.
FORMAT_COST = {"handout": 5.0, "trifold": 2.5, "wallet-card": 1.0}
SLOW_SCRIPTS = ("han-traditional", "hangul", "japanese", "arabic", "ethiopic")


def expected_cost(project: Project, job: Job, options: BuildOptions) -> float:
    """About how long a job renders, relative to the others: the longest are
    sent first, so that none of them holds the end of the build while the
    other workers wait."""
    material = project.materials[job.material]
    cost = FORMAT_COST.get(material.format.name if material.format else "", 1.0)
    cost *= len(output_paths(material, job.lang, options))
    language = project.languages.get(job.lang)
    return cost * (1.2 if language is not None and language.script in SLOW_SCRIPTS else 1.0)


def _outputs(material: Material, job: Job, options: BuildOptions) -> list[Result]:
    return [Result(job.material, job.lang, rel) for rel in output_paths(material, job.lang, options)]


def _unchanged(project: Project, job: Job, options: BuildOptions, previous: dict[str, OutputEntry],
               fingerprints: InputFingerprints) -> list[Result] | None:
    """The job's previous results, when its inputs are the same and every
    output is intact; None when it must be planned."""
    inputs = fingerprints.of(*job)
    results = _outputs(project.materials[job.material], job, options)
    for result in results:
        result.entry = previous.get(result.path)
        if not is_up_to_date(result.entry, inputs, options.out / result.path, field="inputs"):
            return None
        result.reused = True
    return results


def _previous_for(previous: dict[str, OutputEntry], job: Job) -> dict[str, OutputEntry]:
    return {path: e for path, e in previous.items()
            if e.get("material") == job.material and e.get("lang") == job.lang}


# --- What each process loads once ---------------------------------------------

def load(project: Project) -> Loaded:
    return Loaded(project, make_environment(project.root), {
        domain: template_catalog(domain, messages)
        for domain, messages in source_messages(project).items()})


def run_job(loaded: Loaded, job: Job, options: BuildOptions, previous: dict[str, OutputEntry],
            progress: Progress = lambda _: None, plan_only: bool = False,
            after_each: Callable[[], None] = lambda: None) -> list[Result] | None:
    """Build one job; with plan_only, None if anything would have to be
    rendered (the results if it is all up to date or failed)."""
    project = loaded.project
    try:
        return build_material(loaded, project.materials[job.material], project.languages[job.lang],
                              options, previous, progress, plan_only, after_each)
    except NeedsRendering:
        return None


# --- Worker processes ----------------------------------------------------------

_worker: dict = {}      # this worker process's Loaded, or why it could not load


def _worker_start(root, started) -> None:
    """A worker process: the project, templates and WeasyPrint loaded once,
    then frozen out of the garbage collector's sight, so the collection
    after each document (which frees WeasyPrint's font buffers: 80 MB for a
    CJK document) costs milliseconds instead of a tenth of a second.
    `started` tells the build which worker holds which job."""
    _worker["started"] = started
    try:
        _worker["loaded"] = load(load_project(root))
    except Exception as exc:     # a crashing initializer would be restarted forever: fail jobs
        _worker["broken"] = as_build_error(exc, "starting a worker")
        return
    from . import pdf    # noqa: F401  (WeasyPrint, imported before the freeze)
    gc.freeze()


def _worker_job(work: tuple[Job, BuildOptions, dict[str, OutputEntry]]) -> tuple[Job, list[Result]]:
    job, options, previous = work
    _worker["started"].put((job, os.getpid(), time.monotonic()))
    if "broken" in _worker:
        return job, [Result(job.material, job.lang, paths.document(job.material, job.lang, STANDARD),
                            _worker["broken"])]
    fault = os.environ.get(FAULT_ENV, "")          # fault injection, for the tests only
    if fault in (f"kill:{job.material}/{job.lang}", f"hang:{job.material}/{job.lang}"):
        signal.pause() if fault.startswith("hang") else os.kill(os.getpid(), signal.SIGKILL)
    results = run_job(_worker["loaded"], job, options, previous, after_each=_release_memory)
    assert results is not None
    return job, results


def _release_memory() -> None:
    """Give freed memory back to the system. Writing a CJK document reads
    two 20 MB font collections into memory (WeasyPrint subsets from the whole
    file) and keeps them in reference cycles: without a collection and a
    trim, a worker holds 250-340 MB instead of about 200. The cycles are a
    document's own, still young: collecting the two younger generations
    frees them in 1 ms, a full collection took 12 ms after each document."""
    gc.collect(1)
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)      # glibc (Debian, Ubuntu)
    except (OSError, AttributeError):
        pass


class Renderers:
    """Where jobs are rendered: here, or in a pool of worker processes when
    there is enough work to pay for starting them (about a second each:
    WeasyPrint, fonts). Workers are replaced after RECYCLE_AFTER jobs:
    WeasyPrint's memory grows across many documents in one process.
    (multiprocessing.Pool, because ProcessPoolExecutor's max_tasks_per_child
    can deadlock on Python 3.11.)"""

    def __init__(self, project: Project, options: BuildOptions, previous: dict[str, OutputEntry],
                 progress: Progress, workers: int):
        self.project, self.options, self.previous, self.progress = project, options, previous, progress
        self.workers = workers
        self.pool: Pool | None = None
        self.pending: list = []         # (job, its result to come from a worker)
        self.queued: list[Job] = []     # jobs not sent to a worker
        self.loaded: Loaded | None = None
        self.started: Any = None        # which worker holds which job (a queue, with the pool)
        self.lost_jobs = False          # a job whose result will never come: terminate the pool
        self.dead: dict[Job, float] = {}   # job -> when its worker was seen gone

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate() if exc[0] or self.lost_jobs else self.pool.close()
            self.pool.join()

    def here(self) -> Loaded:
        """Templates and catalogs in this process, for planning or rendering."""
        if self.loaded is None:
            self.loaded = load(self.project)
        return self.loaded

    def plan_here(self, job: Job) -> list[Result] | None:
        return run_job(self.here(), job, self.options, _previous_for(self.previous, job),
                       plan_only=True)

    def submit(self, jobs: list[Job]) -> None:
        """Queue jobs; from the second one on, they go to worker processes
        (one job alone is cheaper here than starting a worker)."""
        self.queued += jobs
        if self.pool is None and self.workers > 1 and len(self.queued) > 1:
            self.started = multiprocessing.get_context("spawn").SimpleQueue()
            self.pool = multiprocessing.get_context("spawn").Pool(
                self.workers, initializer=_worker_start,
                initargs=(self.project.root, self.started), maxtasksperchild=RECYCLE_AFTER)
        if self.pool is not None:
            for job in self.queued:
                work = (job, self.options, _previous_for(self.previous, job))
                self.pending.append((job, self.pool.apply_async(_worker_job, (work,))))
            self.queued = []

    def results(self) -> dict[Job, list[Result]]:
        done = self._from_pool()
        for job in self.queued:
            done[job] = run_job(self.here(), job, self.options, _previous_for(self.previous, job),
                                progress=self.progress) or []
        return done

    def _from_pool(self) -> dict[Job, list[Result]]:
        done: dict[Job, list[Result]] = {}
        holders: dict[Job, tuple[int, float]] = {}   # job -> (worker pid, since)
        waiting = dict(self.pending)
        while waiting:
            while self.started is not None and not self.started.empty():
                job, pid, since = self.started.get()
                holders[Job(*job)] = (pid, since)
            for job, handle in list(waiting.items()):
                if handle.ready():
                    done[job] = handle.get()[1]
                elif job in holders:
                    lost = self._lost(job, *holders[job])
                    if lost is None:
                        continue
                    done[job] = lost
                    self.lost_jobs = True
                else:
                    continue
                del waiting[job]
                for result in done[job]:
                    self.progress(result.path)
            if waiting:
                next(iter(waiting.values())).wait(POLL_S)
        return done

    def _lost(self, job: Job, pid: int, since: float) -> list[Result] | None:
        """Failed results for a job whose worker died or ran too long
        (stopped here); None while it is still working."""
        assert self.pool is not None
        workers = self.pool._pool       # type: ignore[attr-defined]  # no public list of them
        alive = {p.pid for p in workers if p.is_alive()}
        if pid in alive and time.monotonic() - since < self.options.job_timeout:
            return None
        if pid not in alive:
            # A worker recycled after its last job exits just after sending its result:
            # give the result a moment to arrive before calling the job lost.
            first_seen = self.dead.setdefault(job, time.monotonic())
            if time.monotonic() - first_seen < DEAD_GRACE_S:
                return None
            why = "the worker building it stopped (killed, perhaps because memory ran out)"
        else:
            os.kill(pid, signal.SIGKILL)    # the pool starts a new worker in its place
            why = f"it ran for more than {self.options.job_timeout:.0f} s and was stopped"
        material = self.project.materials[job.material]
        error: BuildError = RenderError(f"[{job.lang}] not built: {why}", material.folder,
                                        hint="build it again; if it happens again, build it alone "
                                             "with --material and --lang, and report it")
        return [Result(r.material, r.lang, r.path, error) for r in _outputs(material, job, self.options)]

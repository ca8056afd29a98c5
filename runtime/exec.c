/* exec.c: `hotplan run` and `hotplan resume` (exec.h): a run made (run.c), set up (setup.c)
 * or reopened from its journal (resume.c), walked (act.c), and freed. */
#include "act.h"
#include "resume.h"
#include "run.h"
#include "setup.h"

int exec_run(const struct run_opts *o)
{
	struct run *R = run_new(o);
	int rc = run_catch_signals(R);
	if (rc == 0)
		rc = setup_load_plan(R, o->plan_path);
	if (rc == 0)
		rc = setup_run(R);
	if (rc == 0)
		rc = act_walk(R);
	return run_free(R, rc == SETUP_DONE_ELSEWHERE ? EXIT_OK : rc);
}

int exec_resume(const struct resume_opts *ro)
{
	struct run_opts o = { .yes = ro->yes, .log_json = ro->log_json, .kind = -1 };
	struct run *R = run_new(&o);
	int rc = run_catch_signals(R);
	R->accept = ro->accept;
	R->naccept = ro->naccept;
	R->wait_leftover = ro->wait_ns >= 0 ? (double)ro->wait_ns / 1e9 : 30.0;
	if (rc == 0)
		rc = resume_run(R, ro->journal_path, ro->given, ro->ngiven);
	return run_free(R, rc);
}

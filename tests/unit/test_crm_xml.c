/* test_crm_xml.c: Pacemaker's XML read with libxml2 (crm_xml.h), on crm_mon output and CIBs
 * captured from the lab's real Pacemaker 2.1.5 (tests/cluster/data/): both nodes online, the
 * group moved, a node in standby, a node stopped (seen from the survivor and from itself),
 * a ban. Untrusted input: every prefix of a real document, garbage, XML that is not
 * Pacemaker's, elements without their attributes: an error message, never a crash or an
 * answer made up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "crm_xml.h"

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	const char *src = getenv("HOTPLAN_SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/tests/cluster/data/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	char *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	(void)fclose(f); /* read only */
	return buf;
}

static int parse_file(struct arena *a, const char *name, struct crm_status *st, char *err, size_t errlen)
{
	size_t len;
	char *xml = slurp(name, &len);
	int rc = crm_status_parse(a, xml, len, st, err, errlen);
	free(xml);
	return rc;
}

static void test_online(void **state)
{
	(void)state;
	struct crm_status st;
	char err[512] = "", why[256];
	struct arena a = { 0 };
	assert_int_equal(parse_file(&a, "crm_mon-online.xml", &st, err, sizeof(err)), 0);
	assert_true(st.answered);
	assert_string_equal(st.dc, "node2");
	assert_true(st.quorum);
	assert_int_equal(st.nnodes, 2);
	assert_true(crm_node_member(crm_status_node(&st, "node1")));
	assert_true(crm_node_member(crm_status_node(&st, "node2")));
	assert_null(crm_status_node(&st, "node3"));
	assert_false(crm_node_member(NULL));
	assert_int_equal(st.nrscs, 2);
	assert_string_equal(st.rscs[0].group, "lab-group");
	assert_string_equal(crm_status_where(&st, "lab-group", why, sizeof(why)), "node1");
	assert_string_equal(crm_status_where(&st, "lab-dummy2", why, sizeof(why)), "node1");
	assert_true(crm_status_active_on(&st, "lab-group", "node1"));
	assert_false(crm_status_active_on(&st, "lab-group", "node2"));
	assert_null(crm_status_where(&st, "no-such-group", why, sizeof(why)));
	assert_non_null(strstr(why, "no resource or group \"no-such-group\""));
	assert_int_equal(st.nbans, 0);
	arena_free(&a);
}

static void test_moved_and_standby(void **state)
{
	(void)state;
	struct crm_status st;
	char err[512] = "", why[256];
	struct arena a = { 0 };
	assert_int_equal(parse_file(&a, "crm_mon-moved.xml", &st, err, sizeof(err)), 0);
	assert_string_equal(crm_status_where(&st, "lab-group", why, sizeof(why)), "node2");
	assert_int_equal(parse_file(&a, "crm_mon-standby.xml", &st, err, sizeof(err)), 0);
	const struct crm_node *n1 = crm_status_node(&st, "node1");
	assert_non_null(n1);
	assert_true(n1->online);
	assert_true(n1->standby);
	assert_false(crm_node_member(n1));   /* online, but no group may run there */
	assert_true(crm_node_member(crm_status_node(&st, "node2")));
	assert_string_equal(crm_status_where(&st, "lab-group", why, sizeof(why)), "node2");
	arena_free(&a);
}

static void test_stopped(void **state)
{
	(void)state;
	struct crm_status st;
	char err[512] = "";
	struct arena a = { 0 };
	/* the survivor's view */
	assert_int_equal(parse_file(&a, "crm_mon-node2-stopped.xml", &st, err, sizeof(err)), 0);
	assert_true(st.answered);
	assert_false(crm_status_node(&st, "node2")->online);
	assert_false(crm_node_member(crm_status_node(&st, "node2")));
	assert_string_equal(st.dc, "node1");
	/* the stopped node's own: crm_mon answers, the cluster does not */
	assert_int_equal(parse_file(&a, "crm_mon-not-connected.xml", &st, err, sizeof(err)), 0);
	assert_false(st.answered);
	assert_string_equal(st.why, "crm_mon: Not connected (code 102)");
	assert_int_equal(st.nnodes, 0);
	arena_free(&a);
}

static void test_bans_and_constraints(void **state)
{
	(void)state;
	struct crm_status st;
	char err[512] = "";
	size_t len;
	struct arena a = { 0 };
	assert_int_equal(parse_file(&a, "crm_mon-banned.xml", &st, err, sizeof(err)), 0);
	assert_int_equal(st.nbans, 1);
	assert_string_equal(st.bans[0].id, "cli-ban-lab-group-on-node1");
	assert_non_null(crm_banned(st.bans, st.nbans, "lab-group", "node1"));
	assert_null(crm_banned(st.bans, st.nbans, "lab-group", "node2"));

	char *xml = slurp("cib-moved.xml", &len);
	struct crm_location *v = NULL;
	unsigned n = 0;
	assert_int_equal(crm_cib_locations(&a, xml, len, &v, &n, err, sizeof(err)), 0);
	free(xml);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "cli-prefer-lab-group");
	assert_string_equal(v[0].node, "node2");
	assert_true(v[0].score == CRM_SCORE_INFINITY);
	assert_null(crm_banned(v, n, "lab-group", "node1"));

	const char *section = "<constraints><rsc_location id=\"b\" rsc=\"g\" node=\"n1\" score=\"-INFINITY\"/>"
			      "<rsc_location id=\"r\" rsc=\"g\"><rule score=\"-INFINITY\"/></rsc_location></constraints>";
	assert_int_equal(crm_cib_locations(&a, section, strlen(section), &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(crm_banned(v, n, "g", "n1")->id, "b");
	assert_true(v[1].rule);
	assert_null(crm_banned(v, n, "g", "n2"));
	const char *bad = "<constraints><rsc_location id=\"b\" rsc=\"g\" node=\"n1\" score=\"lots\"/></constraints>";
	assert_int_equal(crm_cib_locations(&a, bad, strlen(bad), &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rsc_location b has no score"));
	assert_int_equal(crm_cib_locations(&a, "<x/>", 4, &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a CIB"));
	arena_free(&a);
}

static void expect_error(const char *xml, const char *want)
{
	struct crm_status st;
	char err[512] = "";
	struct arena a = { 0 };
	if (crm_status_parse(&a, xml, strlen(xml), &st, err, sizeof(err)) == 0)
		fail_msg("parsed: %s", xml);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	arena_free(&a);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("", "empty output");
	expect_error("Could not connect to the CIB: Transport endpoint is not connected\n", "not XML (line 1");
	expect_error("<pacemaker-result><status code=\"0\"", "not XML");
	expect_error("<cib/>", "the root element is <cib>, not <pacemaker-result>");
	expect_error("<pacemaker-result/>", "no <status> element");
	expect_error("<pacemaker-result><status/></pacemaker-result>", "<status> has no code");
	expect_error("<pacemaker-result><status code=\"0\"/><nodes><node name=\"n1\"/></nodes></pacemaker-result>",
		     "a <node> without a name or `online`");
	expect_error("<pacemaker-result><status code=\"0\"/><resources><resource id=\"r\"/></resources>"
		     "</pacemaker-result>",
		     "a <resource> without an id or a role");
	expect_error("<pacemaker-result><status code=\"0\"/><bans><ban id=\"b\" resource=\"r\" node=\"n\" "
		     "weight=\"much\"/></bans></pacemaker-result>",
		     "a <ban> without");
	/* entities are not substituted, nothing is fetched */
	struct crm_status st;
	char err[512] = "";
	struct arena a = { 0 };
	const char *ent = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			  "<pacemaker-result><status code=\"0\"/><nodes><node name=\"&x;\" online=\"true\"/></nodes>"
			  "</pacemaker-result>";
	if (crm_status_parse(&a, ent, strlen(ent), &st, err, sizeof(err)) == 0)
		for (unsigned i = 0; i < st.nnodes; i++)
			assert_null(strstr(st.nodes[i].name, "root:"));
	arena_free(&a);
}

/* Every prefix of a real document, and each with one byte changed: an answer or an error. */
static void test_truncated_and_garbled(void **state)
{
	(void)state;
	size_t len;
	char *xml = slurp("crm_mon-online.xml", &len);
	unsigned ok = 0, errors = 0;
	while (len > 0 && (xml[len - 1] == '\n' || xml[len - 1] == ' '))
		len--;
	assert_true(len > 100);
	for (size_t cut = 0; cut < len; cut++) {
		struct crm_status st;
		char err[512] = "";
		struct arena a = { 0 };
		if (crm_status_parse(&a, xml, cut, &st, err, sizeof(err)) == 0)
			ok++;
		else if (err[0] != '\0')
			errors++;
		else
			fail_msg("prefix of %zu bytes: no answer and no message", cut);
		arena_free(&a);
	}
	/* a prefix is never whole: the closing tag is the document's last bytes */
	assert_int_equal(ok, 0);
	assert_int_equal(errors, len);
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		char *copy = malloc(len + 1);
		assert_non_null(copy);
		memcpy(copy, xml, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] = (char)(seed >> 16);
		}
		struct crm_status st;
		char err[512] = "";
		struct arena a = { 0 };
		if (crm_status_parse(&a, copy, len, &st, err, sizeof(err)) == 0) {
			char why[256];
			(void)crm_status_where(&st, "lab-group", why, sizeof(why));
			for (unsigned i = 0; i < st.nnodes; i++)
				(void)crm_node_member(&st.nodes[i]);
		} else if (err[0] == '\0') {
			fail_msg("round %d: no answer and no message", round);
		}
		arena_free(&a);
		free(copy);
	}
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_online),
		cmocka_unit_test(test_moved_and_standby),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_bans_and_constraints),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated_and_garbled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

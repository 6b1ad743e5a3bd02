/* The section rows of the configuration file as main builds them from its
 * command table (src/core/main.c, apply_config), for the unit test and the
 * fuzz target, which are not linked with main.c. */
#ifndef NT_TEST_CONFIG_ROWS_H
#define NT_TEST_CONFIG_ROWS_H

#include "nt_config.h"

#define NT_TEST_CONFIG_ROWS \
	{ "link", &cmd_link_opts, NULL, NULL }, \
	{ "conntrack", &cmd_conntrack_opts, NULL, NULL }, \
	{ "tcp", &cmd_tcp_opts, NULL, NULL }, \
	{ "path", &cmd_path_opts, NULL, NULL }, \
	{ "capture", NULL, NULL, NULL }, \
	{ "triage", NULL, "targets", NULL }

#endif

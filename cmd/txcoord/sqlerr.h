/*
 * sqlerr.h -- SQL errors: a SQLSTATE, a message and a position.
 *
 * Every layer of the SQL engine (lexer, parser, values, planner,
 * executor) reports failures in one shape, which the gateway sends as
 * {"error":{"sqlstate":"42601","message":"...","position":17}}.  The
 * message follows PostgreSQL's style: lowercase, no trailing period,
 * names quoted ("relation \"t\" does not exist").  position is the 1-based
 * byte offset into the statement text of the token at fault, 0 when no
 * single place is to blame.  Tested through its users.
 */
#ifndef RANGEDB_SQLERR_H
#define RANGEDB_SQLERR_H

#define SQLERR_MSG_MAX 512

/* SQLSTATEs used across the engine (PostgreSQL's codes). */
#define SQLSTATE_SYNTAX		"42601"	/* syntax_error */
#define SQLSTATE_UNDEF_TABLE	"42P01"	/* undefined_table */
#define SQLSTATE_UNDEF_COLUMN	"42703"	/* undefined_column */
#define SQLSTATE_UNDEF_FUNC	"42883"	/* undefined_function */
#define SQLSTATE_UNDEF_OBJECT	"42704"	/* undefined_object (index, type) */
#define SQLSTATE_DUP_TABLE	"42P07"	/* duplicate_table */
#define SQLSTATE_DUP_COLUMN	"42701"	/* duplicate_column */
#define SQLSTATE_DUP_OBJECT	"42710"	/* duplicate_object */
#define SQLSTATE_AMBIG_COLUMN	"42702"	/* ambiguous_column */
#define SQLSTATE_DATATYPE	"42804"	/* datatype_mismatch */
#define SQLSTATE_GROUPING	"42803"	/* grouping_error */
#define SQLSTATE_WRONG_OBJECT	"42809"	/* wrong_object_type */
#define SQLSTATE_FEATURE	"0A000"	/* feature_not_supported */
#define SQLSTATE_INVALID_TEXT	"22P02"	/* invalid_text_representation */
#define SQLSTATE_NUM_RANGE	"22003"	/* numeric_value_out_of_range */
#define SQLSTATE_DIV_ZERO	"22012"	/* division_by_zero */
#define SQLSTATE_STR_TRUNC	"22001"	/* string_data_right_truncation */
#define SQLSTATE_DATETIME	"22008"	/* datetime_field_overflow */
#define SQLSTATE_BAD_ESCAPE	"22025"	/* invalid_escape_sequence */
#define SQLSTATE_CHAR_ENCODING	"22021"	/* character_not_in_repertoire */
#define SQLSTATE_CARDINALITY	"21000"	/* cardinality_violation */
#define SQLSTATE_NOT_NULL	"23502"	/* not_null_violation */
#define SQLSTATE_UNIQUE		"23505"	/* unique_violation */
#define SQLSTATE_RETRY		"40001"	/* serialization_failure */
#define SQLSTATE_IN_FAILED_TX	"25P02"	/* in_failed_sql_transaction */
#define SQLSTATE_NO_ACTIVE_TX	"25P01"	/* no_active_sql_transaction */
#define SQLSTATE_ACTIVE_TX	"25001"	/* active_sql_transaction */
#define SQLSTATE_TOO_COMPLEX	"54001"	/* statement_too_complex */
#define SQLSTATE_PROG_LIMIT	"54000"	/* program_limit_exceeded */
#define SQLSTATE_OUT_OF_MEMORY	"53200"	/* out_of_memory */
#define SQLSTATE_UNAVAILABLE	"57P03"	/* cannot_connect_now */
#define SQLSTATE_UNKNOWN_OUTCOME "40003" /* statement_completion_unknown */
#define SQLSTATE_INTERNAL	"XX000"	/* internal_error */
#define SQLSTATE_INVALID_PARAM	"22023"	/* invalid_parameter_value */
#define SQLSTATE_BAD_DATETIME	"22007"	/* invalid_datetime_format */
#define SQLSTATE_SUBSTRING	"22011"	/* substring_error */
#define SQLSTATE_CANNOT_COERCE	"42846"	/* cannot_coerce */
#define SQLSTATE_AMBIG_FUNC	"42725"	/* ambiguous_function */
#define SQLSTATE_CORRUPTED	"XX001"	/* data_corrupted */

struct sqlerr {
	char sqlstate[6];		/* "" when no error */
	int position;			/* 1-based byte offset, 0 = none */
	char msg[SQLERR_MSG_MAX];
};

/*
 * Fill e (which may be NULL) and return -1, so "return sqlerr_set(...)"
 * reads naturally in functions that return 0 or -1.  A message longer
 * than SQLERR_MSG_MAX ends in "...", never cut silently.
 */
int sqlerr_set(struct sqlerr *e, const char *sqlstate, int position,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Out of memory: sqlerr_set(e, SQLSTATE_OUT_OF_MEMORY, 0, "out of memory"). */
int sqlerr_nomem(struct sqlerr *e);
/* Reset to "no error". */
void sqlerr_clear(struct sqlerr *e);
/* True when e holds an error. */
int sqlerr_is_set(const struct sqlerr *e);

#endif

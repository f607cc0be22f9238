/*
 * sqlsplit.h -- where a SQL statement ends, in text that arrives line by
 * line (a terminal, a file, a pipe).
 *
 * A statement ends at a ';' that is outside every quote and comment the
 * PostgreSQL lexer knows: '...' (with '' inside), E'...' (with backslash
 * escapes), "identifiers" (with ""), $tag$ dollar quotes $tag$, -- line
 * comments and nested block comments.  A ';' inside parentheses ends the
 * statement too, as it does for the gateway, which splits on every ';':
 * the shell never waits for input the server would refuse anyway.
 *
 * The scanner is incremental: its state lives in a struct sqlsplit the
 * caller owns, next to a buffer the caller appends to.  Each call scans
 * only the bytes not seen yet, so a statement of many lines costs linear
 * time.  Where a byte's meaning depends on the next ones ("-" then "-",
 * "'" then "'", "$a" then "$"), the scanner stops before it until more
 * input comes or the caller says it is the end.
 *
 * Backslash commands (psql's meta-commands) are cut up here too: a line
 * is one when its first non-blank character is '\' and it starts outside
 * every quote and comment; its name and arguments follow psql's rules.
 *
 * Guarantees: offsets are always within the buffer given; the scanner
 * allocates nothing; blank or comment-only statements (";;", "-- x\n;")
 * are skipped, never returned.  Tested in t/unit/sqlsh_test.c.
 */
#ifndef RANGEDB_SQLSPLIT_H
#define RANGEDB_SQLSPLIT_H

#include <stddef.h>

#include "err.h"

/* Where the scanner is: outside everything, or inside what. */
enum sqlsplit_state {
	SQLSPLIT_NORMAL = 0,
	SQLSPLIT_SQUOTE,		/* '...' */
	SQLSPLIT_ESTRING,		/* E'...' with backslash escapes */
	SQLSPLIT_DQUOTE,		/* "identifier" */
	SQLSPLIT_DOLLAR,		/* $tag$ ... $tag$ */
	SQLSPLIT_LINE_COMMENT,		/* -- up to the end of the line */
	SQLSPLIT_BLOCK_COMMENT		/* slash-star ... star-slash, nested */
};

/*
 * Scanner state; all offsets index the caller's buffer.  Set it up with
 * sqlsplit_init(); the fields are read-only for callers.
 */
struct sqlsplit {
	enum sqlsplit_state state;
	size_t pos;		/* next byte to scan */
	size_t start;		/* first byte of the statement being read */
	size_t first;		/* its first byte that is not blank */
	size_t content;		/* its first byte outside blanks, comments */
	int has_first;		/* first is set */
	int has_content;	/* content is set */
	size_t depth;		/* nesting of block comments */
	size_t tag_off;		/* the $tag$ that opened a dollar quote */
	size_t tag_len;		/* its length, both '$' included */
};

/* A complete statement: the text to send is buf[off, off + len). */
struct sqlsplit_stmt {
	size_t off;
	size_t len;
};

void sqlsplit_init(struct sqlsplit *s);

/*
 * Scan buf[s->pos, len) and return 1 with *out set when a statement is
 * complete: its text runs from its first byte that is not blank or
 * comment to the byte before the ';', trailing blanks left out.  Return
 * 0 when everything available is scanned and no statement ended.
 *
 * With eof set, buf holds the whole rest of the input: the text after the
 * last ';' is returned as a last statement if it holds anything but
 * blanks and comments, or if a quote or block comment is left open (so
 * that the server reports it), and lookahead stops at len.
 *
 * Call it again after a 1 to find the next statement in the same buffer.
 * The buffer may grow between calls (realloc is fine: only offsets are
 * kept), but the bytes already scanned must not change.
 */
int sqlsplit_next(struct sqlsplit *s, const char *buf, size_t len, int eof,
		  struct sqlsplit_stmt *out);

/*
 * True when the input scanned so far belongs to a statement that has not
 * ended: it has content, or a quote or block comment is open.  A shell
 * shows its continuation prompt then.
 */
int sqlsplit_pending(const struct sqlsplit *s);

/*
 * Offset from which the buffer must be kept: bytes before it are
 * finished statements or leftovers that will never be sent.
 */
size_t sqlsplit_keep_from(const struct sqlsplit *s);

/*
 * The caller dropped buf[0, n), n <= sqlsplit_keep_from(s), and moved
 * the rest to the front: shift every offset by n.
 */
void sqlsplit_shift(struct sqlsplit *s, size_t n);

/*
 * What psql's %R shows in the continuation prompt: '-' when only the
 * statement is open, '\'' inside a string, '"' inside a quoted
 * identifier, '$' inside a dollar quote, '*' inside a block comment.
 */
char sqlsplit_prompt_char(const struct sqlsplit *s);

/* ---- backslash commands ------------------------------------------------- */

#define SQLSPLIT_META_ARGS	8	/* arguments a command may have */

/* A backslash command cut up: "\\x on" is name "x", argv {"on"}. */
struct sqlsplit_meta {
	char *name;	/* letters ("dt"), or one other character ("?") */
	int argc;
	char *argv[SQLSPLIT_META_ARGS];
	char *buf;	/* owns the strings */
};

/*
 * Where the backslash command on line[0, n) starts, or -1 when the line
 * is SQL.  s is the scanner after the lines before this one: a line that
 * starts inside a quote or comment is never a command.
 */
long sqlsplit_meta_start(const struct sqlsplit *s, const char *line,
			 size_t n);

/*
 * Cut up the command text[0, n) (text[0] is the '\'): the name, then
 * arguments separated by blanks; 'a b' is one argument (quotes removed,
 * '' inside is a quote), "a b" is one with its quotes kept, as an SQL
 * identifier.  RC_BAD_INPUT for an unterminated quote or more than
 * SQLSPLIT_META_ARGS arguments, RC_NOMEM.  Free with
 * sqlsplit_meta_release().
 */
int sqlsplit_meta_parse(const char *text, size_t n, struct sqlsplit_meta *m,
			struct err *e);
void sqlsplit_meta_release(struct sqlsplit_meta *m);

/*
 * True when s is a table name as SQL writes one: parts joined by '.',
 * each an unquoted identifier or a "quoted" one ("" inside).  Keeps \d
 * NAME from sending anything but a name.
 */
int sqlsplit_table_name(const char *s);

#endif

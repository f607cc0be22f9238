/*
 * sqlkvtxn.h -- the SQL engine's key-value transaction (sqlkv.h) on one
 * of txcoord's transactions (txn.h).  Tested by the BATS SQL tests.
 */
#ifndef RANGEDB_SQLKVTXN_H
#define RANGEDB_SQLKVTXN_H

#include "sqlkv.h"

struct txn;

/* Make kv run on t (which stays the caller's: kv borrows it). */
void sqlkvtxn_bind(struct txn *t, struct sqlkv *kv);

#endif

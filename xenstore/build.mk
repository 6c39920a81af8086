# pvstored: the xenstore daemon (build/pvstored), its unit tests, fuzz
# targets, test clients and benchmark.

XS_CFLAGS := -Ixenstore $(XEN_ABI_DEFS)
XS_CORE := xenstore/xs_perms.c xenstore/xs_path.c xenstore/xs_store.c \
           xenstore/xs_txn.c xenstore/xs_access.c

$(eval $(call unit_test,test_xs_store,tests/unit/xenstore/test_xs_store.c $(XS_CORE),$(XS_CFLAGS)))

test_pvlayout_SRCS := hypervisor/common/pv_layout.c

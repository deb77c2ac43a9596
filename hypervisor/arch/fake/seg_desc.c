/*
 * Fake validate_seg_desc_page() for tests that link pv_mm.c without
 * pv_hypercalls.c (which holds the real one): returns fake_seg_desc_rc.
 */
#include <fake/fake.h>

int validate_seg_desc_page(mfn_t mfn);
int fake_seg_desc_rc;
unsigned int fake_seg_desc_calls;

int validate_seg_desc_page(mfn_t mfn)
{
    (void)mfn;
    fake_seg_desc_calls++;
    return fake_seg_desc_rc;
}

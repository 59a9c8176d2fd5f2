// SPDX-License-Identifier: MIT
/*
 * Unit tests: the peer-to-peer judgement (tool/p2p.c) on topologies built
 * here: a switch with both devices below it, ACS redirect on a port, the
 * root complex between them, with and without a translating IOMMU, no
 * P2PDMA in the kernel, two PCI domains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "p2p.h"

static struct db_pci_node port(const char *bdf, int type, uint16_t acs_ctrl)
{
	struct db_pci_node n = { .pcie_type = type, .acs = true, .acs_known = true,
				 .acs_ctrl = acs_ctrl };

	snprintf(n.bdf, sizeof(n.bdf), "%s", bdf);
	return n;
}

/* A device at @bdf below the bridges @up (nearest first), in IOMMU group @grp. */
static struct db_p2p_dev dev(enum db_p2p_role role, const char *bdf, const char *domain_type,
			     int grp, unsigned depth, const struct db_pci_node *up)
{
	struct db_p2p_dev x = { .role = role, .iommu_group = grp, .depth = depth };

	snprintf(x.pci.bdf, sizeof(x.pci.bdf), "%s", bdf);
	snprintf(x.domain_type, sizeof(x.domain_type), "%s", domain_type);
	for (unsigned i = 0; i < depth; i++)
		x.up[i] = up[i];
	return x;
}

static struct db_p2p_platform platform(int p2pdma)
{
	struct db_p2p_platform p = { .p2pdma = p2pdma };

	snprintf(p.p2pdma_from, sizeof(p.p2pdma_from), "/proc/kallsyms");
	snprintf(p.host_bridge.bdf, sizeof(p.host_bridge.bdf), "0000:00:00.0");
	p.host_bridge.vendor = 0x8086;
	p.host_bridge.device = 0x29c0;
	return p;
}

/* The VM's switch: root port 00:06.0, upstream 01:00.0, downstream 02:00.0 / 02:01.0. */
static void switch_pair(uint16_t dn_acs, const char *domain, struct db_p2p_dev *gpu,
			struct db_p2p_dev *nvme)
{
	struct db_pci_node rp = port("0000:00:06.0", DB_PCIE_ROOT_PORT, 0);
	struct db_pci_node us = port("0000:01:00.0", DB_PCIE_UPSTREAM, 0);
	struct db_pci_node g_up[] = { port("0000:02:01.0", DB_PCIE_DOWNSTREAM, dn_acs), us, rp };
	struct db_pci_node n_up[] = { port("0000:02:00.0", DB_PCIE_DOWNSTREAM, dn_acs), us, rp };

	*gpu = dev(DB_P2P_GPU, "0000:04:00.0", domain, 10, 3, g_up);
	*nvme = dev(DB_P2P_NVME, "0000:03:00.0", domain, 10, 3, n_up);
}

static void test_switch_ok(void **state)
{
	struct db_p2p_platform p = platform(1);
	struct db_p2p_dev gpu, nvme;
	struct db_p2p_path o;

	(void)state;
	switch_pair(0, "DMA", &gpu, &nvme);
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_OK);
	assert_int_equal(o.through, DB_P2P_THROUGH_SWITCH);
	assert_string_equal(o.turn, "0000:01:00.0");
	assert_int_equal(o.distance, 4);
	assert_int_equal(o.nr_hops, 5);
	assert_string_equal(o.hops[0]->bdf, "0000:04:00.0");
	assert_string_equal(o.hops[2]->bdf, "0000:01:00.0");
	assert_string_equal(o.hops[4]->bdf, "0000:03:00.0");
	assert_true(o.iommu_translates);
	assert_true(o.same_group);
	assert_non_null(strstr(o.reason, "does not translate them"));
	assert_string_equal(db_p2p_verdict_name(o.verdict), "ok");
}

/* ACS redirect on a downstream port sends peer requests to a translating IOMMU. */
static void test_switch_redirect_unsafe(void **state)
{
	struct db_p2p_platform p = platform(1);
	struct db_p2p_dev gpu, nvme;
	struct db_p2p_path o;

	(void)state;
	switch_pair(DB_ACS_SV | DB_ACS_RR | DB_ACS_CR | DB_ACS_UF, "DMA-FQ", &gpu, &nvme);
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_UNSAFE);
	assert_string_equal(o.redirect, "0000:02:01.0");
	assert_non_null(strstr(o.reason, "raw bus addresses"));
	/* the same redirect without an IOMMU: up to the host bridge, which decides */
	switch_pair(DB_ACS_RR, "identity", &gpu, &nvme);
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_HOST_BRIDGE);
	assert_non_null(strstr(o.reason, "8086:29c0"));
}

/* Source validation and upstream forwarding alone redirect nothing. */
static void test_switch_acs_without_redirect(void **state)
{
	struct db_p2p_platform p = platform(1);
	struct db_p2p_dev gpu, nvme;
	struct db_p2p_path o;

	(void)state;
	switch_pair(DB_ACS_SV | DB_ACS_UF | DB_ACS_TB, "DMA", &gpu, &nvme);
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_OK);
	assert_string_equal(o.redirect, "");
}

/* An NVMe controller on the root complex, the GPU behind a root port. */
static void test_root_complex(void **state)
{
	struct db_p2p_platform p = platform(1);
	struct db_pci_node g_up[] = { port("0000:00:06.0", DB_PCIE_ROOT_PORT, 0) };
	struct db_p2p_dev gpu = dev(DB_P2P_GPU, "0000:01:00.0", "", -1, 1, g_up);
	struct db_p2p_dev nvme = dev(DB_P2P_NVME, "0000:00:04.0", "", -1, 0, NULL);
	struct db_p2p_path o;

	(void)state;
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.through, DB_P2P_THROUGH_HOST);
	assert_int_equal(o.verdict, DB_P2P_HOST_BRIDGE);
	assert_int_equal(o.nr_hops, 3);
	assert_false(o.iommu_translates);
	assert_false(o.same_group);
	assert_string_equal(db_p2p_through_name(o.through), "host-bridge");
	/* the same with a translating IOMMU: the known-bad combination */
	snprintf(nvme.domain_type, sizeof(nvme.domain_type), "DMA");
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_UNSAFE);
	/* an identity domain does not translate */
	snprintf(nvme.domain_type, sizeof(nvme.domain_type), "identity");
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_HOST_BRIDGE);
}

static void test_no_p2pdma_no_path(void **state)
{
	struct db_p2p_platform p = platform(0);
	struct db_p2p_dev gpu, nvme;
	struct db_p2p_path o;

	(void)state;
	switch_pair(0, "DMA", &gpu, &nvme);
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_NO);
	assert_non_null(strstr(o.reason, "CONFIG_PCI_P2PDMA"));
	p.p2pdma = 1;
	gpu.domain = 1;
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_NO);
	assert_int_equal(o.through, DB_P2P_THROUGH_NONE);
}

/* Not root: ACS unreadable, said so, the verdict still from the topology. */
static void test_acs_unknown(void **state)
{
	struct db_p2p_platform p = platform(-1);
	struct db_p2p_dev gpu, nvme;
	struct db_p2p_path o;

	(void)state;
	switch_pair(0, "", &gpu, &nvme);
	gpu.up[0].acs_known = false;
	db_p2p_judge(&p, &gpu, &nvme, &o);
	assert_int_equal(o.verdict, DB_P2P_OK);
	assert_true(o.acs_unknown);
	assert_non_null(strstr(o.reason, "run as root"));
	assert_non_null(strstr(o.reason, "unknown"));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(db_pcie_type_name(DB_PCIE_UPSTREAM), "switch upstream port");
	assert_string_equal(db_pcie_type_name(DB_PCIE_DOWNSTREAM), "switch downstream port");
	assert_string_equal(db_pcie_type_name(DB_PCIE_ROOT_PORT), "root port");
	assert_string_equal(db_pcie_type_name(3), "");
	assert_string_equal(db_p2p_verdict_name(DB_P2P_UNSAFE), "unsafe");
	assert_string_equal(db_p2p_verdict_name(DB_P2P_NO), "no");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_ok),
		cmocka_unit_test(test_switch_redirect_unsafe),
		cmocka_unit_test(test_switch_acs_without_redirect),
		cmocka_unit_test(test_root_complex),
		cmocka_unit_test(test_no_p2pdma_no_path),
		cmocka_unit_test(test_acs_unknown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

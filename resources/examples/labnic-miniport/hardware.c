/*
 * LabNic - the hardware, exactly as the LabNIC datasheet describes it:
 * PCI identity and bus mastering, device reset (CTRL.RST), the EEPROM
 * (EERD: MAC address and checksum), the PHY (MDIC), the I/O window (BAR 1),
 * ring and filter programming, interrupt mask, link state (STATUS) and the
 * read-to-clear statistics counters.
 *
 * Nothing here allocates: every routine works on resources adapter.c acquired.
 * Routines that may run after a surprise removal check Adapter->Removed first,
 * and every poll gives up when a register reads all ones (the device is gone).
 */
#include "driver.h"

_Use_decl_annotations_
BOOLEAN
LnHwIsGone(
    PLN_ADAPTER Adapter)
{
    if (Adapter->Removed) {
        return TRUE;
    }
    /* STATUS has reserved bits that read 0: all ones means nobody answered. */
    return LN_READ(Adapter, LN_REG_STATUS) == LN_REG_GONE;
}

/* ---- PCI ------------------------------------------------------------------ */

/*
 * Check the PCI identity (vendor 0x4C41, device 0x4E49) and turn bus mastering
 * on: at power-on the command register has I/O and memory decoding enabled but
 * not bus mastering, and without it the device does no DMA at all.
 */
_Use_decl_annotations_
NDIS_STATUS
LnHwCheckPciAndEnableBusMaster(
    PLN_ADAPTER Adapter)
{
    PCI_COMMON_HEADER Config;
    USHORT Command, NewCommand;
    ULONG Bytes;

    NdisZeroMemory(&Config, sizeof(Config));
    Bytes = NdisMGetBusData(Adapter->AdapterHandle, PCI_WHICHSPACE_CONFIG, 0,
                            &Config, PCI_COMMON_HDR_LENGTH);
    if (Bytes != PCI_COMMON_HDR_LENGTH) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "PCI configuration space: read %u of %u bytes\n",
                 Bytes, (ULONG)PCI_COMMON_HDR_LENGTH);
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    Command = Config.Command;
    if (Config.VendorID != LN_PCI_VENDOR_ID || Config.DeviceID != LN_PCI_DEVICE_ID) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "not a LabNIC: PCI id %04x:%04x\n", Config.VendorID, Config.DeviceID);
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    Adapter->PciCommand = Command;

    NewCommand = (USHORT)(Command | PCI_ENABLE_MEMORY_SPACE | PCI_ENABLE_IO_SPACE |
                          PCI_ENABLE_BUS_MASTER);
    if (NewCommand != Command) {
        Bytes = NdisMSetBusData(Adapter->AdapterHandle, PCI_WHICHSPACE_CONFIG,
                                FIELD_OFFSET(PCI_COMMON_HEADER, Command), &NewCommand, sizeof(NewCommand));
        if (Bytes != sizeof(NewCommand)) {
            LN_PRINT(DPFLTR_ERROR_LEVEL, "cannot write the PCI command register\n");
            return NDIS_STATUS_ADAPTER_NOT_FOUND;
        }
    }

    /* Read it back: a bridge may refuse bus mastering. */
    Command = 0;
    Bytes = NdisMGetBusData(Adapter->AdapterHandle, PCI_WHICHSPACE_CONFIG,
                            FIELD_OFFSET(PCI_COMMON_HEADER, Command), &Command, sizeof(Command));
    if (Bytes != sizeof(Command) || (Command & PCI_ENABLE_BUS_MASTER) == 0) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "bus mastering did not turn on (command 0x%04x)\n", Command);
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    Adapter->BusMasterEnabled = TRUE;
    LN_PRINT(DPFLTR_INFO_LEVEL, "PCI %04x:%04x, bus mastering on (command 0x%04x)\n",
             Config.VendorID, Config.DeviceID, Command);
    return NDIS_STATUS_SUCCESS;
}

/* Undo LnHwCheckPciAndEnableBusMaster: the device may no longer master the bus. */
_Use_decl_annotations_
VOID
LnHwDisableBusMaster(
    PLN_ADAPTER Adapter)
{
    USHORT Command;

    if (!Adapter->BusMasterEnabled) {
        return;
    }
    Adapter->BusMasterEnabled = FALSE;
    if (Adapter->Removed) {
        return;                 /* configuration space is gone too */
    }
    Command = (USHORT)(Adapter->PciCommand & ~PCI_ENABLE_BUS_MASTER);
    (VOID)NdisMSetBusData(Adapter->AdapterHandle, PCI_WHICHSPACE_CONFIG,
                          FIELD_OFFSET(PCI_COMMON_HEADER, Command), &Command, sizeof(Command));
}

/* ---- Reset -------------------------------------------------------------------- */

/*
 * CTRL.RST: interrupts are masked and both DMA engines stop at once; after the
 * reset time (1 ms, longer on a slow part) every register is back at its reset
 * value and RST reads 0. Poll with NdisMSleep (PASSIVE_LEVEL only) up to
 * LN_RESET_TIMEOUT_MS; a reset that never completes is a dead device.
 */
_Use_decl_annotations_
NDIS_STATUS
LnHwReset(
    PLN_ADAPTER Adapter)
{
    ULONG Ctrl;
    ULONG Waited;

    Ctrl = LN_READ(Adapter, LN_REG_CTRL);
    if (Ctrl == LN_REG_GONE) {
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    LN_WRITE(Adapter, LN_REG_CTRL, (Ctrl & ~LN_CTRL_PHY_RST) | LN_CTRL_RST);

    for (Waited = 0; Waited < LN_RESET_TIMEOUT_MS; Waited++) {
        NdisMSleep(1000);
        Ctrl = LN_READ(Adapter, LN_REG_CTRL);
        if (Ctrl == LN_REG_GONE) {
            return NDIS_STATUS_ADAPTER_NOT_FOUND;
        }
        if ((Ctrl & LN_CTRL_RST) == 0) {
            break;
        }
    }
    if (Ctrl & LN_CTRL_RST) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "CTRL.RST still set after %u ms\n", LN_RESET_TIMEOUT_MS);
        return NDIS_STATUS_HARD_ERRORS;
    }

    /* Reset masks every cause; clear whatever is latched. */
    LN_WRITE(Adapter, LN_REG_IMC, LN_INT_ALL);
    (VOID)LN_READ(Adapter, LN_REG_ICR);
    LN_PRINT(DPFLTR_INFO_LEVEL, "device reset complete after about %u ms\n", Waited + 1);
    return NDIS_STATUS_SUCCESS;
}

/* ---- EEPROM --------------------------------------------------------------- */

/* EERD: write ADDR << 8 | START, poll DONE (5 us), DATA in bits 31:16. */
static BOOLEAN
LnHwReadEepromWord(_In_ PLN_ADAPTER Adapter, _In_ ULONG Word, _Out_ PUSHORT Data)
{
    ULONG Value;
    ULONG Try;

    *Data = 0;
    LN_WRITE(Adapter, LN_REG_EERD, (Word << LN_EERD_ADDR_SHIFT) | LN_EERD_START);
    for (Try = 0; Try < LN_EERD_POLL_TRIES; Try++) {
        NdisStallExecution(LN_EERD_POLL_US);
        Value = LN_READ(Adapter, LN_REG_EERD);
        if (Value == LN_REG_GONE) {
            return FALSE;
        }
        if (Value & LN_EERD_DONE) {
            *Data = (USHORT)(Value >> LN_EERD_DATA_SHIFT);
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Read all 64 EEPROM words: the sum of words 0x00..0x3F must be 0xBABA (the
 * e1000 rule). Words 0..2 hold the MAC address, low byte first.
 */
_Use_decl_annotations_
NDIS_STATUS
LnHwReadMacAddress(
    PLN_ADAPTER Adapter)
{
    USHORT Words[LN_EEPROM_WORDS];
    USHORT Sum = 0;
    ULONG i;

    for (i = 0; i < LN_EEPROM_WORDS; i++) {
        if (!LnHwReadEepromWord(Adapter, i, &Words[i])) {
            LN_PRINT(DPFLTR_ERROR_LEVEL, "EEPROM word 0x%02x: the read never completed\n", i);
            LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_HARDWARE_FAILURE, LN_ERRLOG_EEPROM, i);
            return NDIS_STATUS_HARD_ERRORS;
        }
        Sum = (USHORT)(Sum + Words[i]);
    }
    if (Sum != LN_EEPROM_CHECKSUM_SUM) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "EEPROM checksum: words sum to 0x%04x, not 0x%04x\n",
                 Sum, LN_EEPROM_CHECKSUM_SUM);
        LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER, LN_ERRLOG_EEPROM, Sum);
        return NDIS_STATUS_HARD_ERRORS;
    }

    for (i = 0; i < 3; i++) {
        Adapter->PermanentAddress[2 * i] = (UCHAR)(Words[LN_EEPROM_MAC_WORD + i] & 0xFF);
        Adapter->PermanentAddress[2 * i + 1] = (UCHAR)(Words[LN_EEPROM_MAC_WORD + i] >> 8);
    }
    if (Adapter->PermanentAddress[0] & 0x01) {
        LN_PRINT(DPFLTR_ERROR_LEVEL, "EEPROM holds a multicast MAC address\n");
        LnWriteErrorLog(Adapter, NDIS_ERROR_CODE_NETWORK_ADDRESS, LN_ERRLOG_EEPROM, 0);
        return NDIS_STATUS_HARD_ERRORS;
    }
    if (!Adapter->AddressOverridden) {
        NdisMoveMemory(Adapter->CurrentAddress, Adapter->PermanentAddress, LN_MAC_LENGTH);
    }
    LN_PRINT(DPFLTR_INFO_LEVEL, "EEPROM ok, MAC %02x-%02x-%02x-%02x-%02x-%02x, in use %02x-%02x-%02x-%02x-%02x-%02x\n",
             Adapter->PermanentAddress[0], Adapter->PermanentAddress[1],
             Adapter->PermanentAddress[2], Adapter->PermanentAddress[3],
             Adapter->PermanentAddress[4], Adapter->PermanentAddress[5],
             Adapter->CurrentAddress[0], Adapter->CurrentAddress[1],
             Adapter->CurrentAddress[2], Adapter->CurrentAddress[3],
             Adapter->CurrentAddress[4], Adapter->CurrentAddress[5]);
    return NDIS_STATUS_SUCCESS;
}

/* ---- PHY (MDIC) ------------------------------------------------------------------ */

/* MDIC read: PHYADD, REGADD, OP=read; poll R (10 us); E means no PHY there. */
static BOOLEAN
LnHwReadPhy(_In_ PLN_ADAPTER Adapter, _In_ ULONG Register, _Out_ PUSHORT Data)
{
    ULONG Value;
    ULONG Try;

    *Data = 0;
    LN_WRITE(Adapter, LN_REG_MDIC,
             (LN_PHY_ADDRESS << LN_MDIC_PHY_SHIFT) | (Register << LN_MDIC_REG_SHIFT) |
             LN_MDIC_OP_READ);
    for (Try = 0; Try < LN_MDIC_POLL_TRIES; Try++) {
        NdisStallExecution(LN_MDIC_POLL_US);
        Value = LN_READ(Adapter, LN_REG_MDIC);
        if (Value == LN_REG_GONE || (Value & LN_MDIC_ERROR)) {
            return FALSE;
        }
        if (Value & LN_MDIC_READY) {
            *Data = (USHORT)(Value & LN_MDIC_DATA_MASK);
            return TRUE;
        }
    }
    return FALSE;
}

/* Informational: identify the PHY. A missing PHY shows as a link that never comes up. */
_Use_decl_annotations_
VOID
LnHwCheckPhy(
    PLN_ADAPTER Adapter)
{
    USHORT Id1, Id2, Bmsr;

    if (!LnHwReadPhy(Adapter, LN_PHY_PHYID1, &Id1) || !LnHwReadPhy(Adapter, LN_PHY_PHYID2, &Id2) ||
        !LnHwReadPhy(Adapter, LN_PHY_BMSR, &Bmsr)) {
        LN_PRINT(DPFLTR_WARNING_LEVEL, "no answer from the PHY at MDIO address %u\n", LN_PHY_ADDRESS);
        return;
    }
    LN_PRINT(Id1 == LN_PHY_ID1_LABNIC ? DPFLTR_INFO_LEVEL : DPFLTR_WARNING_LEVEL,
             "PHY id %04x:%04x, BMSR 0x%04x\n", Id1, Id2, Bmsr);
}

/* ---- I/O window (BAR 1) ------------------------------------------------------------ */

/*
 * The I/O BAR reaches every register through IOADDR/IODATA. We use the memory
 * BAR for everything; this self-test reads RAL0 both ways once.
 */
_Use_decl_annotations_
VOID
LnHwCheckIoWindow(
    PLN_ADAPTER Adapter)
{
    ULONG ThroughMemory, ThroughPorts;

    ThroughMemory = LN_READ(Adapter, LN_REG_RAL0);
    NdisRawWritePortUlong(Adapter->IoPorts + LN_IO_ADDR, LN_REG_RAL0);
    NdisRawReadPortUlong(Adapter->IoPorts + LN_IO_DATA, &ThroughPorts);
    if (ThroughMemory != ThroughPorts) {
        LN_PRINT(DPFLTR_WARNING_LEVEL, "I/O window: RAL0 reads 0x%08x, memory BAR 0x%08x\n",
                 ThroughPorts, ThroughMemory);
    }
}

/* ---- Programming ------------------------------------------------------------------- */

/*
 * Receive filter: RCTL (EN, UPE, MPE, BAM, BSIZE 2048) and RAH0.AV from the
 * packet filter. LabNIC has no multicast table: any multicast address (or
 * ALL_MULTICAST) turns MPE on, and the receive path drops multicast frames
 * that are not on our list. The receiver runs only while the adapter is
 * Running with a non-empty filter. Caller holds Adapter->Lock.
 */
_Use_decl_annotations_
VOID
LnHwProgramReceiveLocked(
    PLN_ADAPTER Adapter)
{
    ULONG Filter = Adapter->PacketFilter;
    ULONG Rctl = LN_RCTL_BSIZE_2048 | LN_RCTL_RDMTS_HALF;
    ULONG Rah;

    if (Adapter->Removed || Adapter->HwResetting || Adapter->HwFailed) {
        return;                 /* the reset work item programs it again */
    }
    if (Filter & NDIS_PACKET_TYPE_PROMISCUOUS) {
        Rctl |= LN_RCTL_UPE | LN_RCTL_MPE | LN_RCTL_BAM;
    }
    if (Filter & NDIS_PACKET_TYPE_BROADCAST) {
        Rctl |= LN_RCTL_BAM;
    }
    if ((Filter & NDIS_PACKET_TYPE_ALL_MULTICAST) ||
        ((Filter & NDIS_PACKET_TYPE_MULTICAST) && Adapter->MulticastCount != 0)) {
        Rctl |= LN_RCTL_MPE;
    }
    if (Adapter->State == LnStateRunning && Filter != 0) {
        Rctl |= LN_RCTL_EN;
    }

    Rah = (ULONG)Adapter->CurrentAddress[4] | ((ULONG)Adapter->CurrentAddress[5] << 8);
    if (Filter & NDIS_PACKET_TYPE_DIRECTED) {
        Rah |= LN_RAH_AV;
    }
    LN_WRITE(Adapter, LN_REG_RAL0,
             (ULONG)Adapter->CurrentAddress[0] | ((ULONG)Adapter->CurrentAddress[1] << 8) |
             ((ULONG)Adapter->CurrentAddress[2] << 16) | ((ULONG)Adapter->CurrentAddress[3] << 24));
    LN_WRITE(Adapter, LN_REG_RAH0, Rah);
    LN_WRITE(Adapter, LN_REG_RCTL, Rctl);
}

/*
 * Program both rings, the filter, the transmitter and the link after a reset
 * (every register is at its reset value). RxHead / TxHead say where the device
 * resumes: 0 after initialization, the first descriptor it has not finished
 * after a reset (so nothing is received or sent twice, nothing is lost).
 * Caller holds Lock, TxLock and RxLock (LnLockAll).
 */
_Use_decl_annotations_
VOID
LnHwProgram(
    PLN_ADAPTER Adapter,
    ULONG RxHead,
    ULONG TxHead)
{
    ULONG Ctrl;

    LN_WRITE(Adapter, LN_REG_RDBAL, Adapter->RxRing.Pa.LowPart);
    LN_WRITE(Adapter, LN_REG_RDBAH, (ULONG)Adapter->RxRing.Pa.HighPart);
    LN_WRITE(Adapter, LN_REG_RDLEN, Adapter->RxDescCount * sizeof(LN_RX_DESC));
    LN_WRITE(Adapter, LN_REG_RDH, RxHead);
    LN_WRITE(Adapter, LN_REG_RDT, Adapter->RxTail);

    LN_WRITE(Adapter, LN_REG_TDBAL, Adapter->TxRing.Pa.LowPart);
    LN_WRITE(Adapter, LN_REG_TDBAH, (ULONG)Adapter->TxRing.Pa.HighPart);
    LN_WRITE(Adapter, LN_REG_TDLEN, Adapter->TxDescCount * sizeof(LN_TX_DESC));
    LN_WRITE(Adapter, LN_REG_TDH, TxHead);
    LN_WRITE(Adapter, LN_REG_TDT, Adapter->TxNextToUse);

    LnHwProgramReceiveLocked(Adapter);

    /* Transmitter on (pads runts to 60 bytes); with TDT != TDH it starts at once. */
    LN_WRITE(Adapter, LN_REG_TCTL, LN_TCTL_EN | LN_TCTL_PSP);

    /* Set link up: the MAC takes the link the PHY negotiated (full duplex, 1000). */
    Ctrl = LN_READ(Adapter, LN_REG_CTRL);
    LN_WRITE(Adapter, LN_REG_CTRL,
             (Ctrl & ~(LN_CTRL_RST | LN_CTRL_PHY_RST)) | LN_CTRL_SLU | LN_CTRL_FD | LN_CTRL_SPEED_1000);
}

/* Halt: both engines off, interrupts masked, then a device reset. */
_Use_decl_annotations_
VOID
LnHwStop(
    PLN_ADAPTER Adapter)
{
    if (Adapter->HwFailed || LnHwIsGone(Adapter)) {
        return;                 /* removed, or dead after a failed reset: touch nothing, wait for nothing */
    }
    LN_WRITE(Adapter, LN_REG_IMC, LN_INT_ALL);
    LN_WRITE(Adapter, LN_REG_RCTL, 0);
    LN_WRITE(Adapter, LN_REG_TCTL, 0);
    if (LnHwReset(Adapter) != NDIS_STATUS_SUCCESS) {
        LN_PRINT(DPFLTR_WARNING_LEVEL, "halt: the device did not finish its reset\n");
    }
}

/* ---- Link --------------------------------------------------------------------------- */

/* STATUS.LU: the PHY has a link and CTRL.SLU is set. */
_Use_decl_annotations_
BOOLEAN
LnHwReadLinkUp(
    PLN_ADAPTER Adapter,
    PBOOLEAN Gone)
{
    ULONG Status;

    *Gone = FALSE;
    if (Adapter->Removed) {
        *Gone = TRUE;
        return FALSE;
    }
    Status = LN_READ(Adapter, LN_REG_STATUS);
    if (Status == LN_REG_GONE) {
        *Gone = TRUE;
        return FALSE;
    }
    return (Status & LN_STATUS_LU) != 0;
}

/* ---- Interrupt mask ---------------------------------------------------------------- */

_Use_decl_annotations_
VOID
LnHwDisableInterrupts(
    PLN_ADAPTER Adapter)
{
    if (!Adapter->Removed) {
        LN_WRITE(Adapter, LN_REG_IMC, LN_INT_ALL);
    }
}

/* Unmask what we handle, except causes that are storming right now. */
_Use_decl_annotations_
VOID
LnHwEnableInterrupts(
    PLN_ADAPTER Adapter)
{
    if (!Adapter->Removed && !Adapter->HwResetting && !Adapter->HwFailed) {
        LN_WRITE(Adapter, LN_REG_IMS, LN_INT_ENABLE_MASK & ~(ULONG)Adapter->StormMask);
    }
}

/* ---- Statistics ---------------------------------------------------------------------- */

/*
 * The counters are read-to-clear 32-bit registers: fold them into 64-bit
 * software totals often enough that they cannot wrap (the watchdog does it
 * every second, and every OID_GEN_STATISTICS query). Caller holds Adapter->Lock.
 */
_Use_decl_annotations_
VOID
LnHwUpdateStatisticsLocked(
    PLN_ADAPTER Adapter)
{
    ULONG Missed, Low, High;

    if (Adapter->Removed || Adapter->HwResetting || Adapter->HwFailed) {
        return;
    }
    Missed = LN_READ(Adapter, LN_REG_MPC);
    if (Missed == LN_REG_GONE) {
        return;                 /* the device is gone; the watchdog notices */
    }
    Adapter->HwMissed += Missed;
    Adapter->HwRcvGood += LN_READ(Adapter, LN_REG_GPRC);
    Adapter->HwXmitGood += LN_READ(Adapter, LN_REG_GPTC);
    Low = LN_READ(Adapter, LN_REG_GORCL);
    High = LN_READ(Adapter, LN_REG_GORCH);
    Adapter->HwRcvOctets += ((ULONG64)High << 32) | Low;
    Low = LN_READ(Adapter, LN_REG_GOTCL);
    High = LN_READ(Adapter, LN_REG_GOTCH);
    Adapter->HwXmitOctets += ((ULONG64)High << 32) | Low;
    Adapter->HwRcvTotal += LN_READ(Adapter, LN_REG_TPR);
    Adapter->HwXmitTotal += LN_READ(Adapter, LN_REG_TPT);
}

/* ---- Scatter/gather ------------------------------------------------------------------ */

/*
 * Required by NdisMRegisterScatterGatherDma (which shared memory needs), but
 * never called: this driver copies every send into its own shared-memory
 * buffer instead of mapping NET_BUFFERs (NdisMAllocateNetBufferSGList).
 */
_Use_decl_annotations_
VOID
LnProcessSgList(
    PDEVICE_OBJECT pDO,
    PVOID Reserved,
    PSCATTER_GATHER_LIST pSGL,
    PVOID Context)
{
    UNREFERENCED_PARAMETER(pDO);
    UNREFERENCED_PARAMETER(Reserved);
    UNREFERENCED_PARAMETER(pSGL);
    UNREFERENCED_PARAMETER(Context);
}

// Every family of NDIS functions the simulator implements. Importing this module registers them all.
import './status';
import './driver';
import './adapter';
import './memory';
import './sync';
import './timers';
import './workitems';
import './debug';
import './config';
import './nbl';
import './oid';
import './indication';
import './device';
import './lookaside';
import './dma';
import './interrupts';
import './hardware';

package orbit.slurm;

import orbit.launch.RunState;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** scontrol's one-line job record and what each Slurm state reads as. */
class SlurmJobTest {
    private static SlurmJob job(String state, String reason, String exit) {
        return SlurmJob.parse("17", "JobId=17 JobName=ok UserId=root(0) JobState=" + state + " Reason=" + reason
                + " Dependency=(null) ExitCode=" + exit + " NodeList=vm BatchHost=vm").orElseThrow();
    }

    @Test
    void parsesStateReasonAndExitCode() {
        SlurmJob j = job("FAILED", "NonZeroExitCode", "3:0");
        assertEquals("FAILED", j.state());
        assertEquals("NonZeroExitCode", j.reason());
        assertEquals(3, j.exitCode());
        assertEquals("vm", j.nodes());
        assertNull(job("RUNNING", "None", "0:0").reason());
    }

    @Test
    void anotherJobOrNoRecordIsNotThisJob() {
        assertTrue(SlurmJob.parse("18", "JobId=17 JobState=RUNNING").isEmpty());
        assertTrue(SlurmJob.parse("17", "").isEmpty());
    }

    @Test
    void statesMapAsDocumented() {
        assertEquals(RunState.QUEUED, job("PENDING", "Resources", "0:0").runState());
        assertEquals(RunState.QUEUED, job("CONFIGURING", "None", "0:0").runState());
        assertEquals(RunState.RUNNING, job("RUNNING", "None", "0:0").runState());
        assertEquals(RunState.RUNNING, job("COMPLETING", "None", "0:0").runState());
        assertEquals(RunState.SUCCEEDED, job("COMPLETED", "None", "0:0").runState());
        assertEquals(RunState.FAILED, job("FAILED", "NonZeroExitCode", "1:0").runState());
        assertEquals(RunState.CANCELLED, job("CANCELLED", "None", "0:15").runState());
        assertEquals(RunState.TIMEOUT, job("TIMEOUT", "TimeLimit", "0:15").runState());
        assertEquals(RunState.TIMEOUT, job("DEADLINE", "None", "0:0").runState());
        assertEquals(RunState.LOST, job("NODE_FAIL", "None", "0:0").runState());
        assertEquals(RunState.LOST, job("BOOT_FAIL", "None", "0:0").runState());
        assertEquals(RunState.FAILED, job("OUT_OF_MEMORY", "OutOfMemory", "0:125").runState());
        assertTrue(job("OUT_OF_MEMORY", "OutOfMemory", "0:125").verdict().startsWith("out of memory"));
        assertEquals(RunState.QUEUED, job("REQUEUED", "None", "0:0").runState());
        assertEquals(RunState.RUNNING, job("SUSPENDED", "None", "0:0").runState());
        assertFalse(job("SUSPENDED", "None", "0:0").ended());
    }

    @Test
    void slurmsVerdictWinsOnlyWhereSlurmKnowsBetter() {
        for (String s : new String[] {"TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "DEADLINE", "BOOT_FAIL"}) {
            assertTrue(job(s, "None", "0:0").verdictWins(), s);
        }
        for (String s : new String[] {"COMPLETED", "FAILED", "CANCELLED", "RUNNING"}) {
            assertFalse(job(s, "None", "0:0").verdictWins(), s);
        }
    }
}

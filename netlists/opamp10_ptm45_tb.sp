* Testbench: 10-transistor two-stage Miller opamp (shared data: sizing/smoke) with the PTM 45 nm card
* Differential AC drive of 1 (vin +0.5, ein -0.5); DC gain at 1 Hz and unity-gain bandwidth.
* Paths are relative to this file, with ../shared beside the repository.
.include ../../shared/data/sizing/models/ptm45/45nm_bulk_ckappa_fixed.txt
.include ../../shared/data/sizing/smoke/two_stage_10t_ptm45.inc
.ac dec 50 1 10g
.meas ac gain_db find vdb(out) at=1
.meas ac ugbw when vdb(out)=0 fall=1
.end

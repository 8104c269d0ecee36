//! The road network's topology, stored once for every mode: *junctions* (vertices with other
//! than two segments, or with a loop, and one vertex of each ring of road that has none) and
//! *chains* (the run of segments between two junctions through vertices with exactly two).
//!
//! Vertices are numbered for the search, as OSRM numbers its nodes: the junctions first
//! (`0..junction_count`, so a junction's number is its index and "is it a junction" is one
//! comparison), then the inside vertices chain by chain, so a chain's inside is a run of
//! consecutive numbers. Each chain is one run of [`Chains::seq`]: its start junction, its
//! inside vertices, its end junction; beside each entry, the step that arrives at it and,
//! per mode, its time both ways. A search walking a chain reads these arrays in order and
//! nothing else (see `search.rs`).
//!
//! Per mode and search direction, each junction lists where it may set out along a chain
//! ([`JunctionArcs`]): four bytes an arc, where a vertex-level adjacency kept twelve for every
//! vertex. Building is O(V + E log E).

use super::{Direction, Segment};

/// One step: `seg << 1`, plus 1 when it runs from the segment's `b` to its `a`.
pub(super) type Step = u32;

/// No step arrives at a chain's first entry.
const NO_STEP: Step = u32::MAX;

#[inline]
pub(super) fn step_seg(step: Step) -> u32 {
    step >> 1
}

/// Whether a step (walked the other way when `flip`) runs from the segment's `b` to its `a`.
#[inline]
pub(super) fn step_b_to_a(step: Step, flip: bool) -> bool {
    (step & 1 != 0) ^ flip
}

/// Junctions and chains (mode-independent), with the vertex numbering they imply.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Chains {
    /// Vertices `0..junctions` are the junctions.
    pub(super) junctions: u32,
    pub(super) chains: u32,
    /// The chains one after the other, each its start junction, inside vertices and end
    /// junction (the same junction for a ring).
    pub(super) seq: Vec<u32>,
    /// Beside each entry of `seq`, the step that arrives at it from the entry before
    /// ([`NO_STEP`] at a chain's start).
    pub(super) step: Vec<Step>,
    /// Per mode ([`super::Mode::index`]), beside each entry of `seq`: seconds to travel the
    /// step that arrives at it the chain's way and the other way (infinite where the mode
    /// may not; unused at a chain's start).
    pub(super) time: [Vec<[f32; 2]>; 4],
    /// Per inside vertex `v`, its entry in `seq`: `inside[v - junctions]`.
    pub(super) inside: Vec<u32>,
}

/// A chain as traced before numbering: the start vertex and its steps.
struct Traced {
    start: u32,
    steps: Vec<Step>,
}

/// Trace the chains of `segments` over `node_count` vertices: the junctions in the order
/// found (every vertex in order, then one vertex of each ring without any), and the chains
/// from each junction in the order of its segments.
fn trace(node_count: usize, segments: &[Segment]) -> (Vec<u32>, Vec<bool>, Vec<Traced>) {
    // Segments at each vertex (transient): `seg << 1 | 1` at its `b` end.
    let mut first_inc = vec![0u32; node_count + 1];
    for s in segments {
        first_inc[s.a as usize + 1] += 1;
        first_inc[s.b as usize + 1] += 1;
    }
    for i in 0..node_count {
        first_inc[i + 1] += first_inc[i];
    }
    let mut fill = first_inc.clone();
    let mut inc = vec![0u32; first_inc[node_count] as usize];
    for (i, s) in segments.iter().enumerate() {
        let i = i as u32;
        for (v, end) in [(s.a, 0), (s.b, 1)] {
            inc[fill[v as usize] as usize] = i << 1 | end;
            fill[v as usize] += 1;
        }
    }
    drop(fill);
    let at = |v: u32| &inc[first_inc[v as usize] as usize..first_inc[v as usize + 1] as usize];
    let is_loop = |e: u32| {
        let s = &segments[(e >> 1) as usize];
        s.a == s.b
    };
    let mut is_junction = vec![false; node_count];
    let mut junctions = Vec::new();
    for v in 0..node_count as u32 {
        let here = at(v);
        if here.len() != 2 || here.iter().any(|&e| is_loop(e)) {
            is_junction[v as usize] = true;
            junctions.push(v);
        }
    }
    let mut used = vec![false; segments.len()];
    let mut traced = Vec::new();
    let trace_from =
        |start: u32, is_junction: &[bool], used: &mut Vec<bool>, traced: &mut Vec<Traced>| {
            for &e in at(start) {
                if used[(e >> 1) as usize] {
                    continue;
                }
                let (mut seg, mut end) = (e >> 1, e & 1);
                let mut steps = Vec::new();
                loop {
                    used[seg as usize] = true;
                    steps.push(seg << 1 | end);
                    let s = &segments[seg as usize];
                    let to = if end == 1 { s.a } else { s.b };
                    if is_junction[to as usize] {
                        break;
                    }
                    // A vertex inside a chain has exactly two segment ends, neither a loop.
                    let Some(&next) = at(to).iter().find(|&&f| f >> 1 != seg) else {
                        break;
                    };
                    (seg, end) = (next >> 1, next & 1);
                }
                traced.push(Traced { start, steps });
            }
        };
    for &v in &junctions {
        trace_from(v, &is_junction, &mut used, &mut traced);
    }
    // Rings of vertices with two segments each and no junction: one vertex becomes one.
    for seg in 0..segments.len() {
        if !used[seg] {
            let v = segments[seg].a;
            is_junction[v as usize] = true;
            junctions.push(v);
            trace_from(v, &is_junction, &mut used, &mut traced);
        }
    }
    (junctions, is_junction, traced)
}

impl Chains {
    /// Number the vertices (junctions first, then chain by chain) and lay the chains out.
    /// Returns the chains and, per old vertex number, its new one; `segments` are renumbered
    /// in place (their order is kept).
    pub(super) fn build(node_count: usize, segments: &mut [Segment]) -> (Chains, Vec<u32>) {
        let (junctions, is_junction, traced) = trace(node_count, segments);
        let mut new_id = vec![u32::MAX; node_count];
        for (j, &v) in junctions.iter().enumerate() {
            new_id[v as usize] = j as u32;
        }
        let mut next = junctions.len() as u32;
        let to_of = |step: Step| {
            let s = &segments[step_seg(step) as usize];
            if step_b_to_a(step, false) { s.a } else { s.b }
        };
        for t in &traced {
            for &step in &t.steps {
                let to = to_of(step);
                if !is_junction[to as usize] {
                    new_id[to as usize] = next;
                    next += 1;
                }
            }
        }
        // Vertices on no segment at all are junctions (no segment: degree 0), so every vertex
        // has its number.
        let mut chains = Chains {
            junctions: junctions.len() as u32,
            chains: traced.len() as u32,
            seq: Vec::with_capacity(segments.len() + traced.len()),
            step: Vec::with_capacity(segments.len() + traced.len()),
            time: Default::default(),
            inside: vec![0; node_count - junctions.len()],
        };
        for t in &traced {
            chains.seq.push(new_id[t.start as usize]);
            chains.step.push(NO_STEP);
            for &step in &t.steps {
                let to = new_id[to_of(step) as usize];
                if to >= chains.junctions {
                    chains.inside[(to - chains.junctions) as usize] = chains.seq.len() as u32;
                }
                chains.seq.push(to);
                chains.step.push(step);
            }
        }
        chains.time = std::array::from_fn(|m| {
            chains
                .step
                .iter()
                .map(|&step| {
                    if step == NO_STEP {
                        return [f32::INFINITY; 2];
                    }
                    let s = &segments[step_seg(step) as usize];
                    let (ab, ba) = (s.time_ab[m], s.time_ba[m]);
                    if step_b_to_a(step, false) {
                        [ba, ab]
                    } else {
                        [ab, ba]
                    }
                })
                .collect()
        });
        for s in segments.iter_mut() {
            s.a = new_id[s.a as usize];
            s.b = new_id[s.b as usize];
        }
        (chains, new_id)
    }

    #[inline]
    pub(super) fn is_junction(&self, v: u32) -> bool {
        v < self.junctions
    }

    /// The entry of inside vertex `v` in [`Chains::seq`].
    #[inline]
    pub(super) fn entry_of(&self, v: u32) -> usize {
        self.inside[(v - self.junctions) as usize] as usize
    }

    /// `(segment, seconds, leaves from the segment's a end)` of the step out of entry `i`
    /// along the chain (`back` false: the step arriving at `i + 1`) or back (the step
    /// arriving at `i`, walked the other way), for mode index `m`; seconds as a search in
    /// `dir` counts them.
    #[inline]
    pub(super) fn out_of(
        &self,
        m: usize,
        dir: Direction,
        i: usize,
        back: bool,
    ) -> (u32, f32, bool) {
        let k = if back { i } else { i + 1 };
        let step = self.step[k];
        let t = self.time[m][k][usize::from(back != (dir == Direction::Reverse))];
        (step_seg(step), t, !step_b_to_a(step, back))
    }
}

/// Per junction, where one mode may set out along a chain in one search direction: the
/// junction's entry in [`Chains::seq`] `<< 1`, plus 1 to walk towards the chain's start.
/// Compressed rows, indexed by the junction's vertex number.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct JunctionArcs {
    pub(super) first: Vec<u32>,
    pub(super) arc: Vec<u32>,
}

impl JunctionArcs {
    pub(super) fn build(chains: &Chains, m: usize, dir: Direction) -> JunctionArcs {
        let mut arcs: Vec<(u32, u32)> = Vec::new();
        let n = chains.seq.len();
        let mut start = 0;
        while start < n {
            // The chain runs from `start` to the next junction entry.
            let mut end = start + 1;
            while !chains.is_junction(chains.seq[end]) {
                end += 1;
            }
            if chains.out_of(m, dir, start, false).1.is_finite() {
                arcs.push((chains.seq[start], (start as u32) << 1));
            }
            if chains.out_of(m, dir, end, true).1.is_finite() {
                arcs.push((chains.seq[end], (end as u32) << 1 | 1));
            }
            start = end + 1;
        }
        arcs.sort_unstable();
        let j = chains.junctions as usize;
        let mut first = vec![0u32; j + 1];
        for &(junction, _) in &arcs {
            first[junction as usize + 1] += 1;
        }
        for i in 0..j {
            first[i + 1] += first[i];
        }
        JunctionArcs {
            first,
            arc: arcs.into_iter().map(|(_, a)| a).collect(),
        }
    }

    #[inline]
    pub(super) fn of(&self, junction: u32) -> &[u32] {
        &self.arc
            [self.first[junction as usize] as usize..self.first[junction as usize + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::RoadClass;

    fn seg(a: u32, b: u32) -> Segment {
        Segment {
            a,
            b,
            length_m: 1.0,
            class: RoadClass::Residential,
            time_ab: [1.0, 2.0, 3.0, 4.0],
            time_ba: [f32::INFINITY, 2.0, 3.0, 4.0],
        }
    }

    #[test]
    fn a_path_a_ring_a_loop_and_parallel_segments() {
        // 0-1-2-3 a path (junctions 0 and 3); 4-5-6-4 a ring with no junction; 7 with a loop
        // and a segment to 8; 9 and 10 joined twice (a ring of two).
        let mut segments = vec![
            seg(0, 1),
            seg(1, 2),
            seg(2, 3),
            seg(4, 5),
            seg(5, 6),
            seg(6, 4),
            seg(7, 7),
            seg(7, 8),
            seg(9, 10),
            seg(10, 9),
        ];
        let before = segments.clone();
        let (c, new_id) = Chains::build(11, &mut segments);
        // Junctions first, in order: 0, 3, 7, 8 (dead ends and the loop), then one vertex of
        // each ring (4, 9); then the inside vertices chain by chain.
        assert_eq!(c.junctions, 6);
        assert_eq!(&new_id[..], &[0, 6, 7, 1, 4, 8, 9, 2, 3, 5, 10]);
        assert_eq!(c.chains, 5);
        // Segments renumbered, in their order.
        for (s, b) in segments.iter().zip(&before) {
            assert_eq!((s.a, s.b), (new_id[b.a as usize], new_id[b.b as usize]));
        }
        // The path's chain: 0, 6, 7, 1 in seq; the step arriving at 6 is segment 0 a→b.
        assert_eq!(&c.seq[..4], &[0, 6, 7, 1]);
        assert_eq!(c.step[1], 0);
        assert_eq!(c.entry_of(7), 2);
        // Car times: 1 s the chain's way, one-way against it.
        assert_eq!(c.time[0][1], [1.0, f32::INFINITY]);
        // Out of entry 2 (vertex 7) towards the end: segment 2 from its a end; back: segment 1
        // against its way, from its b end, which cars may not.
        assert_eq!(c.out_of(0, Direction::Forward, 2, false), (2, 1.0, true));
        assert_eq!(
            c.out_of(0, Direction::Forward, 2, true),
            (1, f32::INFINITY, false)
        );
        // In reverse the times swap.
        assert_eq!(c.out_of(0, Direction::Reverse, 2, true), (1, 1.0, false));
        // Every segment is in exactly one chain.
        let mut seen: Vec<u32> = c
            .step
            .iter()
            .filter(|&&s| s != NO_STEP)
            .map(|&s| step_seg(s))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..segments.len() as u32).collect::<Vec<_>>());
        // Arcs on foot (both ways everywhere): the loop at 7 (new 2) may be walked both ways,
        // so it has three arcs; the ring's junction two.
        let arcs = JunctionArcs::build(&c, 3, Direction::Forward);
        assert_eq!(arcs.of(2).len(), 3);
        assert_eq!(arcs.of(0).len(), 1);
        assert_eq!(arcs.of(new_id[4]).len(), 2);
        // By car the path cannot be walked back from 3 (new 1).
        let car = JunctionArcs::build(&c, 0, Direction::Forward);
        assert_eq!(car.of(1).len(), 0);
        assert_eq!(car.of(0).len(), 1);
    }
}
